"""Check a composed config before anything runs: unknown keys and wrong value types.

Hydra already rejects overrides of keys that do not exist (struct mode). Keys written in YAML
files (experiments, new configs) are not checked by Hydra, and wrong value types only fail deep
inside training. :func:`check_config` walks every node with a ``_target_``, compares its keys
with the target's signature and its values with the signature's simple type hints, and raises
one :class:`~argmine.errors.ConfigError` naming every offending key.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from argmine import metric_names
from argmine.config_errors import nearest
from argmine.errors import ConfigError
from argmine.training import signatures

HYDRA_KEYS = {"_target_", "_partial_", "_recursive_", "_convert_", "_args_"}
# keys our code reads from target nodes before instantiating them (not constructor arguments)
ARGMINE_EXTRA_KEYS = {
    "argmine.models.TaggerModule": {"name", "featurizer"},
    "argmine.models.pairs.ComponentPairModule": {"name", "featurizer"},
}
TOP_LEVEL_KEYS = {
    "task_name", "name", "tags", "seed", "deterministic", "cpu_portable", "ckpt_path", "train", "test",
    "eval_checkpoint", "export", "optimized_metric", "selection_metric", "optuna_trial", "cv", "data", "model", "trainer",
    "callbacks", "logger", "paths", "extras", "stages", "hydra", "meta",
}
# the top-level keys' types (those that hold a value rather than a config group)
TOP_LEVEL_TYPES: dict[str, Any] = {
    "seed": int, "deterministic": bool, "cpu_portable": bool, "train": bool, "test": bool, "export": bool,
    "ckpt_path": str | None, "eval_checkpoint": typing.Literal["best", "last"],
    "optimized_metric": str | list | None, "selection_metric": str, "name": str, "task_name": str,
}
# documented ranges of constructor arguments, by parameter name (whatever the target)
RANGES: dict[str, tuple[str, Callable[[float], bool]]] = {
    "batch_size": (">= 1", lambda v: v >= 1),
    "eval_batch_size": (">= 1", lambda v: v >= 1),
    "max_tokens": (">= 1", lambda v: v >= 1),
    "lr": ("> 0", lambda v: v > 0),
    "head_lr": ("> 0", lambda v: v > 0),
    "weight_decay": (">= 0", lambda v: v >= 0),
    "dropout": ("in [0, 1)", lambda v: 0 <= v < 1),
    "word_dropout": ("in [0, 1)", lambda v: 0 <= v < 1),
    "hidden_size": (">= 1", lambda v: v >= 1),
    "num_layers": (">= 1", lambda v: v >= 1),
    "max_epochs": (">= 1 (or -1: no limit)", lambda v: v >= 1 or v == -1),
    "min_epochs": (">= 0", lambda v: v >= 0),
    "patience": (">= 0", lambda v: v >= 0),
    "accumulate_grad_batches": (">= 1", lambda v: v >= 1),
    "gradient_clip_val": (">= 0", lambda v: v >= 0),
    "save_top_k": (">= -1", lambda v: v >= -1),
    "num_workers": (">= 0", lambda v: v >= 0),
    "micro_batches": (">= 1", lambda v: v >= 1),
    "bucket_factor": (">= 1", lambda v: v >= 1),
}
# arguments filled in by code (data-derived); a user must not set them in config
DERIVED = {"num_tags", "allowed_transitions", "vocab_size", "num_chars", "tag_vocab", "type_labels", "class_counts",
           "num_types", "pretrained_embeddings", "link_tags", "link_tag_scheme", "corpus_names", "relation_names",
           "stance_values"}


def check_config(cfg: DictConfig) -> None:
    """Raise :class:`ConfigError` listing unknown keys / wrong types in ``cfg``."""
    problems: list[str] = []
    for key in cfg:
        if key not in TOP_LEVEL_KEYS:
            close = [k for k in TOP_LEVEL_KEYS if _similar(k, str(key))]
            problems.append(f"{key}: unknown top-level key" + (f" (did you mean {close[0]!r}?)" if close else
                                                                f" (known: {', '.join(sorted(TOP_LEVEL_KEYS))})"))
        elif (key in TOP_LEVEL_TYPES and not OmegaConf.is_interpolation(cfg, key)
              and not OmegaConf.is_missing(cfg, key) and not _matches(cfg[key], TOP_LEVEL_TYPES[key])):
            problems.append(f"{key}: expected {_type_name(TOP_LEVEL_TYPES[key])}, got {cfg[key]!r}")
    _walk(cfg, "", problems)
    problems += _callback_problems(cfg)
    problems += _metric_name_problems(cfg)
    if problems:
        raise ConfigError("invalid config: " + "; ".join(problems))


def _callback_problems(cfg: DictConfig) -> list[str]:
    """Every entry of ``callbacks`` is a callback config (with ``_target_``) or null: a setting
    one level too high (``callbacks.patience``) is named instead of crashing later."""
    callbacks = cfg.get("callbacks")
    if not isinstance(callbacks, DictConfig):
        return []
    return [f"callbacks.{name}: expected a callback config (with _target_) or null, got {value!r}; "
            f"settings of a callback go under it (callbacks.<callback>.{name})"
            for name, value in callbacks.items() if value is not None and not isinstance(value, DictConfig)]


def _metric_name_problems(cfg: DictConfig) -> list[str]:
    """``optimized_metric`` and the callbacks' ``monitor`` against the shape of argmine's metric
    names (:mod:`argmine.metric_names`): a typo is caught here, before torch; whether this
    model logs a well-formed name is :func:`check_metric_names`' job, once it is built."""
    wanted = wanted_metrics(cfg)
    return [p for key, metric in wanted if (p := metric_names.problem(key, str(metric)))]


def wanted_metrics(cfg: DictConfig) -> list[tuple[str, Any]]:
    """``(key, metric name)`` of ``optimized_metric`` (one or a list) and of every callback's
    ``monitor``, the names a run must log."""
    objective = cfg.get("optimized_metric") if not OmegaConf.is_missing(cfg, "optimized_metric") else None
    wanted = [("optimized_metric", m) for m in (list(objective) if isinstance(objective, ListConfig) else [objective])]
    callbacks = cfg.get("callbacks")
    for name, callback in (callbacks.items() if isinstance(callbacks, DictConfig) else []):
        if isinstance(callback, DictConfig) and callback.get("monitor") is not None:
            wanted.append((f"callbacks.{name}.monitor", callback.get("monitor")))
    return [(key, metric) for key, metric in wanted if metric is not None]


def _walk(node: Any, path: str, problems: list[str]) -> None:
    if isinstance(node, DictConfig):
        target = node.get("_target_") if not OmegaConf.is_missing(node, "_target_") and "_target_" in node else None
        if isinstance(target, str):
            _check_target(node, target, path, problems)
        for key in node:
            where = f"{path}.{key}" if path else str(key)
            if OmegaConf.is_missing(node, key):
                if not where.startswith("hydra"):
                    problems.append(f"{where}: mandatory value missing (set it in the experiment or as an override)")
                continue
            if OmegaConf.is_interpolation(node, key):
                continue
            _walk(node[key], where, problems)
    elif isinstance(node, ListConfig):
        for i, item in enumerate(node):
            _walk(item, f"{path}[{i}]", problems)


def _check_target(node: DictConfig, target: str, path: str, problems: list[str]) -> None:
    found = signatures.entry(target)
    if found is None:
        problems.append(f"{path or '<root>'}._target_: cannot import {target!r}")
        return
    params, accepts_any, hints = found["params"], found["var_keyword"], found["hints"]
    extra = ARGMINE_EXTRA_KEYS.get(target, set())
    for key in node:
        key = str(key)
        if key in HYDRA_KEYS or key in extra:
            continue
        where = f"{path}.{key}" if path else key
        if key in DERIVED and key not in params:
            continue
        if key in DERIVED:
            problems.append(f"{where}: set by argmine from the data; remove it from the config")
            continue
        if key not in params:
            if not accepts_any:
                close = [p for p in params if _similar(p, key)]
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(f"{where}: not a parameter of {target}{hint}")
            continue
        if OmegaConf.is_missing(node, key) or OmegaConf.is_interpolation(node, key):
            continue
        value = node[key]
        hint_type = hints.get(key)
        if hint_type is not None and not _matches(value, hint_type):
            problems.append(f"{where}: expected {_type_name(hint_type)}, got {value!r}")
        elif key in RANGES and isinstance(value, (int, float)) and not isinstance(value, bool):
            text, ok = RANGES[key]
            if not ok(value):
                problems.append(f"{where}: must be {text}, got {value!r}")


def _matches(value: Any, hint: Any) -> bool:
    """True if ``value`` (a config value) fits a hint description (:func:`signatures.describe`;
    live hints are described first); hints it cannot judge pass."""
    if not isinstance(hint, (str, dict)):
        hint = signatures.describe(hint)
    if isinstance(value, DictConfig) and "_target_" in value:
        return True
    if hint == "any":
        return True
    if isinstance(hint, dict) and "union" in hint:
        return any(_matches(value, h) for h in hint["union"])
    if isinstance(hint, dict) and "literal" in hint:
        return value in hint["literal"]
    if hint == "none":
        return value is None
    if isinstance(value, (DictConfig, ListConfig)):
        wanted = "dict" if isinstance(value, DictConfig) else "list"
        return hint == wanted
    if hint == "bool":
        return isinstance(value, bool)
    if hint == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if hint == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint == "str":
        return isinstance(value, str)
    if hint in ("list", "dict"):
        return isinstance(value, (list, tuple, dict))
    if isinstance(hint, dict) and "class" in hint and isinstance(value, str):
        return bool(hint["text"])  # a word where a tensor, a module... is wanted
    return True


def _type_name(hint: Any) -> str:
    if not isinstance(hint, (str, dict)):
        hint = signatures.describe(hint)
    if isinstance(hint, str):
        return {"none": "None"}.get(hint, hint)
    if "union" in hint:
        return " | ".join(_type_name(h) for h in hint["union"])
    if "literal" in hint:
        return f"Literal{hint['literal']}"
    return str(hint.get("class", hint))


def _similar(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, a, b).ratio() > 0.75


def check_metric_names(cfg: DictConfig, model: Any) -> None:
    """``optimized_metric`` and every callback's ``monitor`` must name a metric that ``model``
    logs (models without ``logged_metric_names`` are not checked); one error with a did-you-mean."""
    names = getattr(model, "logged_metric_names", None)
    if names is None:
        return
    known = names()
    problems = []
    for key, metric in wanted_metrics(cfg):
        if metric not in known:
            close = nearest(str(metric), sorted(known))
            hint = f"did you mean {close}?" if close else f"it logs {', '.join(sorted(known)[:12])} ..."
            problems.append(f"{key}={metric}: not a metric this run logs; {hint}")
    if problems:
        raise ConfigError("invalid config: " + "; ".join(problems))
