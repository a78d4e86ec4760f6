"""What one ``argmine train`` job runs: a single training run, every fold of a cross-validation
(``cv.folds`` set, ``cv.fold`` not), or one fold (``cv.fold=i``). :func:`argmine.training.train.train`
trains exactly one run; the cross-validation loop (:mod:`argmine.sweeps.cv`) calls it per fold."""

from __future__ import annotations

from omegaconf import DictConfig

from argmine.sweeps.cv import fold_config, run_cross_validation
from argmine.training.train import train


def run_training(cfg: DictConfig) -> dict[str, float]:
    """Train what ``cfg`` asks for; returns the run's metrics (the fold means for a cross-validation)."""
    cv = cfg.get("cv")
    if cv and cv.get("folds") and cv.get("fold") is None:
        return run_cross_validation(cfg, train)
    if cv and cv.get("fold") is not None:
        return train(fold_config(cfg))
    return train(cfg)
