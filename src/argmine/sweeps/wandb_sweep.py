"""W&B sweep definitions: validate a sweep YAML against the train config and build the spec.

A definition is a W&B sweep config whose parameter names are Hydra override keys of
``configs/train.yaml`` (``model.optimizer.lr``) or config groups (``model``), plus an argmine
key ``overrides``: fixed Hydra overrides for every run (``[experiment=quickstart, ...]``). The
spec sent to W&B gets a ``command`` that runs ``python -m argmine.cli train <overrides>
${args_no_hyphens}``, so each agent run is an ordinary ``argmine train`` with W&B logging.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import yaml

from argmine import metric_names
from argmine.config_errors import describe, nearest
from argmine.errors import ConfigError

TOP_KEYS = {"program", "method", "metric", "parameters", "command", "early_terminate", "name",
            "description", "project", "entity", "run_cap", "overrides"}
METHODS = {"grid", "random", "bayes"}
GOALS = {"maximize", "minimize"}
PARAM_KEYS = {"value", "values", "distribution", "min", "max", "mu", "sigma", "q", "probabilities"}
DISTRIBUTIONS = {
    "constant": {"value"}, "categorical": {"values"}, "int_uniform": {"min", "max"},
    "uniform": {"min", "max"}, "q_uniform": {"min", "max", "q"}, "log_uniform_values": {"min", "max"},
    "q_log_uniform_values": {"min", "max", "q"}, "inv_log_uniform_values": {"min", "max"},
    "normal": {"mu", "sigma"}, "q_normal": {"mu", "sigma", "q"}, "log_normal": {"mu", "sigma"},
    "q_log_normal": {"mu", "sigma", "q"},
}
TERMINATE_KEYS = {"type", "min_iter", "max_iter", "s", "eta", "strict"}
COMMAND = ["${env}", "${interpreter}", "-m", "argmine.cli", "train"]


def load_definition(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read sweep definition: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a sweep definition is a mapping (method, metric, parameters)")
    return data


def build_spec(definition: dict[str, Any], where: str = "sweep definition") -> dict[str, Any]:
    """Check ``definition`` and return the W&B sweep spec (with ``command``, without ``overrides``).

    Raises one :class:`ConfigError`, one line: the first problem (``<where>: <key>: <problem>``)
    and the keys of the others.
    """
    problems: list[str] = []
    for key in definition:
        if key not in TOP_KEYS:
            problems.append(f"{key}: unknown key (known: {', '.join(sorted(TOP_KEYS))})")
    method = definition.get("method")
    if method not in METHODS:
        problems.append(f"method: must be one of {sorted(METHODS)}, got {method!r}")
    metric = definition.get("metric")
    if not isinstance(metric, dict) or set(metric) - {"name", "goal", "target"} or "name" not in metric:
        problems.append("metric: must be {name: <metric key, e.g. val/c_f1_exact>, goal: maximize|minimize}")
    elif metric.get("goal", "minimize") not in GOALS:
        problems.append(f"metric.goal: must be maximize or minimize, got {metric.get('goal')!r}")
    params = definition.get("parameters")
    if not isinstance(params, dict) or not params:
        problems.append("parameters: must map Hydra override keys to {values: [...]} or a distribution")
        params = {}
    for name, spec in params.items():
        problems += [f"parameters.{name}: {p}" for p in _param_problems(spec)]
    if method == "grid" and any(_distribution(s) not in {"categorical", "constant"} for s in params.values()
                                if isinstance(s, dict)):
        problems.append("method: grid needs every parameter as values/value")
    terminate = definition.get("early_terminate")
    if terminate is not None and (not isinstance(terminate, dict) or set(terminate) - TERMINATE_KEYS
                                  or terminate.get("type") != "hyperband"):
        problems.append(f"early_terminate: must be {{type: hyperband, min_iter|max_iter, eta, s}}, got {terminate!r}")
    overrides = definition.get("overrides", [])
    if not isinstance(overrides, list) or not all(isinstance(o, str) and "=" in o for o in overrides):
        problems.append("overrides: must be a list of Hydra overrides key=value")
        overrides = []
    if "command" in definition:
        problems.append("command: set by argmine (argmine train <overrides> ${args_no_hyphens}); use overrides")
    if problems:
        raise ConfigError(_one_line(where, problems))
    spec = {k: v for k, v in definition.items() if k != "overrides"}
    if not any(o.split("=")[0].lstrip("+~") == "logger" for o in overrides):
        overrides = [*overrides, "logger=wandb"]
    spec["command"] = [*COMMAND, *overrides, f"optimized_metric={metric['name']}", "${args_no_hyphens}"]
    return spec


def _distribution(spec: dict[str, Any]) -> str:
    if "distribution" in spec:
        return str(spec["distribution"])
    if "values" in spec:
        return "categorical"
    if "value" in spec:
        return "constant"
    if all(isinstance(spec.get(k), int) and not isinstance(spec.get(k), bool) for k in ("min", "max")):
        return "int_uniform"
    return "uniform"


def _param_problems(spec: Any) -> list[str]:
    if not isinstance(spec, dict):
        return [f"must be a mapping such as {{values: [...]}}, got {spec!r}"]
    unknown = set(spec) - PARAM_KEYS
    if unknown:
        return [f"unknown key(s) {sorted(unknown)} (known: {', '.join(sorted(PARAM_KEYS))})"]
    dist = _distribution(spec)
    if dist not in DISTRIBUTIONS:
        return [f"unknown distribution {dist!r} (known: {', '.join(sorted(DISTRIBUTIONS))})"]
    missing = DISTRIBUTIONS[dist] - set(spec)
    if missing:
        return [f"distribution {dist} needs {sorted(missing)}"]
    if dist == "categorical" and (not isinstance(spec["values"], list) or not spec["values"]):
        return ["values must be a non-empty list"]
    if {"min", "max"} <= set(spec):
        lo, hi = spec["min"], spec["max"]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lo, hi)) or lo >= hi:
            return [f"min must be a number below max, got min={lo!r} max={hi!r}"]
        if "log" in dist and lo <= 0:
            return [f"{dist} needs min > 0, got {lo!r}"]
    return []


def sample_parameters(parameters: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """One value per parameter, drawn with ``random.Random(seed)`` (what one agent run gets)."""
    rng = random.Random(seed)
    out: dict[str, Any] = {}
    for name, spec in parameters.items():
        dist = _distribution(spec)
        if dist == "constant":
            value: Any = spec["value"]
        elif dist == "categorical":
            value = rng.choices(spec["values"], weights=spec.get("probabilities"))[0]
        elif dist == "int_uniform":
            value = rng.randint(int(spec["min"]), int(spec["max"]))
        elif dist in {"uniform", "q_uniform"}:
            value = rng.uniform(spec["min"], spec["max"])
        elif dist in {"log_uniform_values", "q_log_uniform_values"}:
            value = math.exp(rng.uniform(math.log(spec["min"]), math.log(spec["max"])))
        elif dist == "inv_log_uniform_values":
            value = 1.0 / math.exp(rng.uniform(math.log(1 / spec["max"]), math.log(1 / spec["min"])))
        elif dist in {"normal", "q_normal"}:
            value = rng.gauss(spec["mu"], spec["sigma"])
        else:  # log_normal, q_log_normal
            value = math.exp(rng.gauss(spec["mu"], spec["sigma"]))
        if dist.startswith("q_"):
            value = round(value / spec["q"]) * spec["q"]
        out[name] = value
    return out


def args_no_hyphens(values: dict[str, Any]) -> list[str]:
    """What W&B puts for ``${args_no_hyphens}``: ``key=value`` per parameter."""
    return [f"{k}={_hydra_value(v)}" for k, v in values.items()]


def _hydra_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def local_command(spec: dict[str, Any], values: dict[str, Any], interpreter: str) -> list[str]:
    """The agent's command line for one run with ``values``, as it would run here."""
    out: list[str] = []
    for part in spec["command"]:
        if part == "${env}":
            continue
        if part == "${interpreter}":
            out.append(interpreter)
        elif part == "${args_no_hyphens}":
            out += args_no_hyphens(values)
        else:
            out.append(part)
    return out


def check_against_config(definition: dict[str, Any], config_dir: Path, where: str = "sweep definition") -> None:
    """Every parameter must be a key of the composed train config (with the fixed overrides) or a
    config group; one sample of every parameter must compose."""
    # deferred: `argmine sweep` parses its arguments and the definition before loading Hydra
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from omegaconf import OmegaConf

    overrides = list(definition.get("overrides", []))
    params = definition["parameters"]
    GlobalHydra.instance().clear()
    problems: list[str] = []
    try:
        with initialize_config_dir(config_dir=str(config_dir.resolve()), version_base="1.3"):
            try:
                cfg = compose("train", overrides=overrides, return_hydra_config=True)
            except HydraException as exc:
                raise ConfigError(f"{where}: overrides {overrides}: {describe(exc)}") from None
            groups = set(cfg.hydra.runtime.choices)
            missing = object()
            for name in params:
                key = name.lstrip("+")
                if key in groups:
                    continue
                if name.startswith("+"):
                    continue  # an explicit addition: Hydra checks it when composing the sample below
                if OmegaConf.select(cfg, key, default=missing) is missing:
                    problems.append(f"parameters.{name}: no such key of the train config nor a config group; "
                                    f"{_nearest_key(cfg, key, groups)}")
            if problems:
                raise ConfigError(_one_line(where, problems))
            sample = args_no_hyphens(sample_parameters(params, seed=0))
            try:
                sampled = compose("train", overrides=[*overrides, *sample])
            except HydraException as exc:
                raise ConfigError(f"{where}: a sampled run does not compose ({' '.join(sample)}): "
                                  f"{describe(exc)}") from None
    finally:
        GlobalHydra.instance().clear()
    check_metric_name(sampled, str(definition["metric"]["name"]), where)


def _one_line(where: str, problems: list[str]) -> str:
    """The first problem in full and the keys of the others, on one line."""
    others = [p.split(":", 1)[0] for p in problems[1:]]
    return f"{where}: {problems[0]}" + (f" (also wrong: {', '.join(others)})" if others else "")


def _nearest_key(cfg: Any, key: str, groups: set[str]) -> str:
    """``did you mean ...?`` with the closest key beside ``key`` (or the closest group)."""
    from omegaconf import OmegaConf  # deferred like the other Hydra imports of this module

    head, _, leaf = key.rpartition(".")
    parent = OmegaConf.select(cfg, head) if head else cfg
    siblings = [str(k) for k in parent] if hasattr(parent, "keys") else []
    close = nearest(leaf, siblings)
    if close is not None:
        return f"did you mean {head + '.' if head else ''}{close}?"
    close = nearest(key, sorted(groups))
    return f"did you mean {close}?" if close is not None else "see `argmine train --cfg job` for the keys"


def check_metric_name(cfg: Any, name: str, where: str) -> None:
    """``metric.name`` must be a metric the sweep's runs log (see :func:`check_objective`): its
    shape first (no torch), then against the built model."""
    malformed = metric_names.problem("metric.name", name)
    if malformed:
        raise ConfigError(f"{where}: {malformed}")
    # deferred: training.train imports torch and Lightning; only once the definition composes
    from argmine.training.train import check_objective

    try:
        check_objective(cfg, name)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {str(exc).replace('invalid config: optimized_metric=', 'metric.name=')}") from None
