"""Pruning of Optuna sweep trials: a Lightning callback that reports the optimized metric to the
trial after each validation epoch and stops training when the study's pruner says so.

The sweeper (:mod:`argmine.sweeps.optuna`) passes ``optuna_trial={storage, study_name, number}``
to each trial when ``hydra.sweeper.pruner`` is set; the trial's process may be another one (a
joblib or SLURM launcher), so the callback reaches the study through its storage. A stopped
trial keeps training's normal ending (checkpoint, val metrics, ``metrics.json``) with
``pruned_after_epoch`` added; the sweeper then records it as PRUNED with its last reported value.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import lightning.pytorch as pl

log = logging.getLogger(__name__)

#: the trial's user attribute that tells the sweeper a trial was pruned: the epoch it stopped after
PRUNED_ATTR = "argmine_pruned_after_epoch"


def make_storage(url: str | None) -> Any:
    """An Optuna storage from ``hydra.sweeper.storage``: an RDB URL (``sqlite:///PATH``,
    ``postgresql://...``), ``journal:PATH`` (Optuna's journal file) or None (in memory)."""
    if url is None:
        return None
    if url.startswith("journal:"):
        # deferred: Optuna is imported only by pruned sweeps that use a journal file
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        path = Path(url[len("journal:"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(str(path)))
    return url


class OptunaPruning(pl.Callback):
    """Report ``monitor`` to an Optuna trial after each validation epoch; stop when ``pruner`` (the
    sweep's, built from ``hydra.sweeper.pruner``: Optuna does not store it with the study) says so."""

    def __init__(self, storage: str, study_name: str, number: int, monitor: str, pruner: Any) -> None:
        import optuna  # deferred: Optuna is imported only by runs of a pruned sweep

        self.monitor = monitor
        backend = make_storage(storage)
        self.study = optuna.load_study(study_name=study_name, storage=backend, pruner=pruner)
        storage_obj = self.study._storage  # noqa: SLF001 - the loaded study's own storage object
        study_id = storage_obj.get_study_id_from_name(study_name)
        self.trial = optuna.trial.Trial(self.study, storage_obj.get_trial_id_from_study_id_trial_number(study_id, number))
        self.pruned_after_epoch: int | None = None

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # after the module has logged this epoch's metrics (on_validation_epoch_end runs before it)
        if trainer.sanity_checking or trainer.state.fn != "fit" or self.pruned_after_epoch is not None:
            return
        value = trainer.callback_metrics.get(self.monitor)
        if value is None:
            return
        value = float(value)
        if math.isnan(value):
            return
        epoch = trainer.current_epoch
        self.trial.report(value, step=epoch)
        if self.trial.should_prune():
            self.pruned_after_epoch = epoch
            self.trial.set_user_attr(PRUNED_ATTR, epoch)
            trainer.should_stop = True
            log.info("pruned by the study's pruner after epoch %d (%s = %.4f)", epoch, self.monitor, value)
