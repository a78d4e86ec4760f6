"""Hydra plugin shim: Hydra only instantiates sweepers defined under ``hydra_plugins``.

The implementation lives in :mod:`argmine.sweeps.optuna`.
"""

from argmine.sweeps.optuna import ResumableOptunaSweeper as _Impl


class ResumableOptunaSweeper(_Impl):
    """Resumable Optuna sweeper; select with ``hydra.sweeper._target_`` (see docs/sweeps.md)."""


__all__ = ["ResumableOptunaSweeper"]
