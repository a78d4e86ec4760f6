"""Hydra plugin shim: Hydra only instantiates sweepers defined under ``hydra_plugins``.

Hydra imports every ``hydra_plugins`` module at start-up, for every command; this one stays light
(no Optuna import) and builds the implementation, :mod:`argmine.sweeps.optuna`, only when a
sweep is configured.
"""

from __future__ import annotations

from typing import Any

from hydra.plugins.sweeper import Sweeper


class OptunaSweeper(Sweeper):
    """argmine's Optuna sweeper; select with ``hydra.sweeper._target_`` (see docs/sweeps.md)."""

    def __init__(self, **kwargs: Any) -> None:
        from argmine.sweeps.optuna import OptunaSweeper as Implementation

        self.impl = Implementation(**kwargs)

    def setup(self, *args: Any, **kwargs: Any) -> None:
        self.impl.setup(*args, **kwargs)

    def sweep(self, arguments: list[str]) -> Any:
        return self.impl.sweep(arguments)


#: the name of earlier releases, kept for configs that name it
ResumableOptunaSweeper = OptunaSweeper

__all__ = ["OptunaSweeper", "ResumableOptunaSweeper"]
