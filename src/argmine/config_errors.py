"""Hydra's and OmegaConf's composition errors as one line that names the key and the fix.

Hydra answers a misspelled key with the advice to append it with ``+`` (which would only add an
unused key) and an unknown group option with a list of every option; both become the nearest
existing key or option (``trainer.max_epoch`` -> ``trainer.max_epochs``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable


def nearest(name: str, options: Iterable[str]) -> str | None:
    """The option closest to ``name`` (``None`` if none is close)."""
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return close[0] if close else None


def _did_you_mean(name: str, options: Iterable[str], prefix: str = "") -> str:
    options = sorted(str(o) for o in options)
    close = nearest(name, options)
    if close is not None:
        return f"did you mean {prefix}{close}?"
    return f"known: {', '.join(options[:20])}{' ...' if len(options) > 20 else ''}"


def describe(exc: BaseException) -> str:
    """One line for a Hydra/OmegaConf composition error."""
    cause = exc.__cause__ or exc.__context__
    full_key = getattr(cause, "full_key", None)
    parent = getattr(cause, "parent_node", None)
    if full_key and parent is not None and _is_missing_key(cause):
        head, _, leaf = str(full_key).rpartition(".")
        prefix = f"{head}." if head else ""
        keys = list(parent.keys()) if hasattr(parent, "keys") else []
        return f"{full_key}: no such key; {_did_you_mean(leaf, keys, prefix)}"
    missing = getattr(exc, "missing_cfg_file", None)
    options = getattr(exc, "options", None)
    if missing and options:
        group, _, name = str(missing).rpartition("/")
        return f"{group}={name}: no such {group} config; {_did_you_mean(name, options, f'{group}=')}"
    missing_value = re.search(r"Missing mandatory value: ([\w.\[\]]+)", str(exc))
    if missing_value:
        return f"{missing_value.group(1)}: mandatory value missing (set it in the experiment or as an override)"
    match = re.search(r"Could not find '([^']+)'", str(exc))
    if match and "/" in match.group(1):
        group, _, name = match.group(1).rpartition("/")
        return f"{group}={name}: no such {group} config"
    return " ".join(str(exc).split())


def _is_missing_key(cause: BaseException | None) -> bool:
    return type(cause).__name__ in {"ConfigAttributeError", "ConfigKeyError"} and getattr(cause, "parent_node", None) is not None
