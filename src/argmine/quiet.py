"""Library messages argmine knows to be expected, silenced where they arise.

Each is turned off through the library's own setting or logger, or inside a ``catch_warnings``
block around the call that raises it; no warning filter is installed for the whole process.

- Lightning's "💡 Tip" lines advertising litlogger / litmodels (a filter on its rank-zero logger);
- torch's ``LeafSpec`` FutureWarning, raised by Lightning's own pytree helper on every fit;
- transformers' "Loading weights" progress bar and its LOAD REPORT, which lists the pooler
  weights the tagger leaves out on purpose (``add_pooling_layer=False``);
- Optuna's coloured log handler (its records go through the run's logging instead: no escape
  codes in ``run.log`` or a piped terminal).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

LIGHTNING_RANK_ZERO = "lightning.pytorch.utilities.rank_zero"


class _DropTips(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).lstrip().startswith("💡 Tip:")


def quiet_lightning_tips() -> None:
    """Drop Lightning's advertising tips from its rank-zero logger (idempotent)."""
    logger = logging.getLogger(LIGHTNING_RANK_ZERO)
    if not any(isinstance(f, _DropTips) for f in logger.filters):
        logger.addFilter(_DropTips())


@contextmanager
def expected_lightning_warnings() -> Iterator[None]:
    """Around ``trainer.fit/validate/test``: torch's deprecation of ``LeafSpec``, which Lightning's
    pytree helper constructs (not argmine's to fix)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"`isinstance\(treespec, LeafSpec\)` is deprecated",
                                category=FutureWarning)
        yield


@contextmanager
def quiet_transformers_loading() -> Iterator[None]:
    """Around ``from_pretrained``: transformers at error verbosity, without progress bars; the
    previous settings come back afterwards."""
    # deferred: transformers is slow to import; only transformer models need it
    from transformers.utils import logging as hf_logging

    level, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def plain_optuna_logs() -> None:
    """Optuna's records through the root logger (the run's handlers) instead of its coloured one."""
    # deferred: only Optuna sweeps import optuna
    import optuna

    optuna.logging.disable_default_handler()
    optuna.logging.enable_propagation()
