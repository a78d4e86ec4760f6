"""Constructor signatures of the configs' ``_target_`` classes, stored so that a config is
checked without importing torch, Lightning or transformers (seconds of start-up).

``resources/signatures.json`` holds, per target, its parameter names, whether it takes
``**kwargs``, and each parameter's type hint as a small JSON description (:func:`describe`),
together with the versions of the packages they were read from. ``scripts/build_signatures.py``
writes it from the configs (``--check``: the test suite's freshness check). The table is used
only while the installed versions equal the recorded ones; otherwise, and for a target it does
not list, the target is imported and read directly.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
import os
import types
import typing
from collections.abc import Callable, Mapping
from functools import cache
from importlib import metadata
from pathlib import Path, PurePath
from typing import Any

TABLE = Path(__file__).resolve().parents[1] / "resources" / "signatures.json"
#: the packages whose classes the configs name
PACKAGES = ("argmine", "torch", "lightning", "transformers", "hydra-core", "optuna")


def installed_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


@cache
def stored() -> dict[str, Any]:
    """The stored signatures, or ``{}`` when the file is missing or the installed versions differ."""
    try:
        table = json.loads(TABLE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if table.get("versions") != installed_versions():
        return {}
    return dict(table.get("targets", {}))


def entry(target: str) -> dict[str, Any] | None:
    """``{"params": [...], "var_keyword": bool, "hints": {name: description}}`` of ``target``,
    from the table or by importing it; ``None`` if it cannot be imported."""
    known = stored().get(target)
    if known is not None:
        return known
    fn = resolve(target)
    return None if fn is None else read_entry(fn)


def resolve(target: str) -> Callable[..., Any] | None:
    """The object a ``_target_`` names (``module.attr`` or ``module.Class.method``)."""
    module_name, _, attr = target.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError):
        try:
            mod, _, cls = module_name.rpartition(".")
            return getattr(getattr(importlib.import_module(mod), cls), attr)
        except (ImportError, AttributeError, ValueError):
            return None


def read_entry(fn: Callable[..., Any]) -> dict[str, Any]:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {"params": [], "var_keyword": True, "hints": {}}
    function = fn.__init__ if inspect.isclass(fn) else fn  # type: ignore[misc]
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # noqa: BLE001 - unresolvable annotations: no type checks
        hints = {}
    return {
        "params": [p for p, v in params.items() if v.kind not in (v.VAR_POSITIONAL, v.VAR_KEYWORD)],
        "var_keyword": any(v.kind is v.VAR_KEYWORD for v in params.values()),
        "hints": {name: describe(hint) for name, hint in hints.items() if name in params},
    }


def describe(hint: Any) -> Any:
    """A JSON description of a type hint: ``"int"``, ``"any"``, ``{"union": [...]}``,
    ``{"literal": [...]}``, ``"list"``, ``"dict"``, ``{"class": name, "text": bool}`` (``text``:
    a word from a config can stand for it: str, paths, enums)."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return "any"
    if origin in (typing.Union, types.UnionType):
        return {"union": [describe(h) for h in typing.get_args(hint)]}
    if origin is typing.Literal:
        values = list(typing.get_args(hint))
        return {"literal": values} if all(isinstance(v, (str, int, float, bool)) for v in values) else "any"
    if hint is type(None):
        return "none"
    if hint in (bool, int, float, str):
        return hint.__name__
    base = origin or hint
    if base in (dict, Mapping) or (isinstance(base, type) and issubclass(base, Mapping)):
        return "dict"
    if base in (list, tuple, set, frozenset, typing.Sequence) or getattr(base, "__module__", "") == "collections.abc":
        return "list"
    if isinstance(hint, type):
        text = issubclass(hint, (str, os.PathLike, enum.Enum)) or hint in (object, Path, PurePath)
        return {"class": f"{hint.__module__}.{hint.__qualname__}", "text": text}
    return "any"
