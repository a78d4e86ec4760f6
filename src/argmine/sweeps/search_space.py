"""Hydra sweep syntax to Optuna distributions, for :mod:`argmine.sweeps.optuna`.

``hydra.sweeper.params`` and ``key=<sweep>`` command-line arguments use Hydra's override syntax:

- ``choice(a, b, ...)`` → a categorical distribution (values: None, bool, int, float or str);
- ``range(start, stop[, step])`` → integers (or floats) from ``start`` up to, not including,
  ``stop`` in steps of ``step``;
- ``interval(low, high)`` → a float between ``low`` and ``high``; ``tag(int, interval(...))``
  an integer;
- ``tag(log, ...)`` on ``range`` or ``interval``: sampled on a log scale.

Anything else (``key=value``) is a fixed value passed unchanged to every trial.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import ChoiceSweep, IntervalSweep, RangeSweep
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    distribution_to_json,
)

from argmine.errors import ConfigError

SIMPLE = (type(None), bool, int, float, str)


def parse_search_space(arguments: list[str]) -> tuple[dict[str, BaseDistribution], dict[str, str]]:
    """``(distributions, fixed)`` of ``key=value`` strings: sweep values become distributions,
    the rest stay override strings (``fixed[key]`` is the whole ``key=value`` argument)."""
    distributions: dict[str, BaseDistribution] = {}
    fixed: dict[str, str] = {}
    parser = OverridesParser.create()
    for argument in arguments:
        (override,) = parser.parse_overrides([argument])
        key = override.get_key_element()
        if override.is_sweep_override():
            distributions[key] = to_distribution(key, override.value())
            fixed.pop(key, None)
        else:
            fixed[key] = argument
            distributions.pop(key, None)
    return distributions, fixed


def to_distribution(key: str, sweep: Any) -> BaseDistribution:
    """The Optuna distribution of one Hydra sweep value (see the module docstring)."""
    tags = set(getattr(sweep, "tags", ()) or ())
    log = "log" in tags
    if isinstance(sweep, ChoiceSweep):
        bad = [v for v in sweep.list if not isinstance(v, SIMPLE)]
        if bad or log:
            raise ConfigError(f"hydra.sweeper.params.{key}: choice() takes plain values (numbers, strings, "
                              f"booleans, null){'' if not log else ' and no log tag'}, got {bad or 'tag(log, ...)'}")
        return CategoricalDistribution(list(sweep.list))
    if isinstance(sweep, RangeSweep):
        start, stop, step = sweep.start, sweep.stop, sweep.step
        if step is None or step <= 0 or stop <= start:
            raise ConfigError(f"hydra.sweeper.params.{key}: range({start}, {stop}, {step}) is empty")
        if all(isinstance(v, int) for v in (start, stop, step)):
            last = start + (stop - 1 - start) // step * step
            return IntDistribution(int(start), int(last), log=log, step=1 if log else int(step))
        count = math.ceil((stop - start) / step - 1e-9)
        return FloatDistribution(float(start), float(start + (count - 1) * step), step=float(step))
    if isinstance(sweep, IntervalSweep):
        low, high = sweep.start, sweep.end
        if not low < high or (log and low <= 0):
            raise ConfigError(f"hydra.sweeper.params.{key}: interval({low}, {high}) is empty"
                              + (" or not positive, which a log scale needs" if log else ""))
        if "int" in tags:
            return IntDistribution(int(low), int(high), log=log)
        return FloatDistribution(float(low), float(high), log=log)
    raise ConfigError(f"hydra.sweeper.params.{key}: {sweep!r} is not choice(), range() or interval()")


def space_signature(distributions: dict[str, BaseDistribution]) -> str:
    """A stable text of a search space, stored with the study to refuse a different one."""
    return json.dumps({k: json.loads(distribution_to_json(d)) for k, d in sorted(distributions.items())},
                      sort_keys=True)


def trial_overrides(params: dict[str, Any], fixed: dict[str, str]) -> list[str]:
    """The command-line overrides of one trial: its sampled parameters and the fixed values."""
    return [f"{key}={_override_value(value)}" for key, value in params.items()] + list(fixed.values())


def _override_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return repr(value)
