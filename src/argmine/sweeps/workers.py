"""Several processes on one Optuna study: the study's storage with Optuna's heartbeat, a
heartbeat for the trial a process runs, and ``hydra.sweeper.n_jobs`` worker processes.

Optuna does the hard part: the study lives in shared storage and every process asks it for the
next trial. argmine adds only what Optuna's ask/tell interface leaves to its caller:

- :func:`rdb_storage`: an RDB storage (``sqlite:///...``, ``postgresql://...``) with Optuna's
  heartbeat (``heartbeat_interval``, ``grace_period``) and its ``RetryHeartbeatStaleTrialCallback``, so a
  trial whose process died (``kill -9``, a lost node) is marked FAIL and re-queued once as a new
  trial with the same parameters. Optuna 5's journal storage has no heartbeat: with
  ``journal:PATH`` a dead process's trial stays RUNNING until the study is resumed alone.
- :class:`Heartbeat`: records the running trial's heartbeat from a thread (what
  ``Study.optimize`` does for its own trials).
- :func:`run_workers`: N processes of the same ``argmine train -m`` command with
  ``hydra.sweeper.n_jobs=1``, torch's threads divided between them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Sequence
from typing import Any

from optuna.exceptions import ExperimentalWarning
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback

from argmine.errors import ArgmineError

#: set in each worker process started by :func:`run_workers` (its index)
WORKER_ENV = "ARGMINE_SWEEP_WORKER"


class StorageError(ArgmineError):
    """The study's storage cannot be reached or written."""


def rdb_storage(url: str, heartbeat_interval: int | None, grace_period: int | None,
                max_retry: int = 1) -> RDBStorage:
    """An RDB storage; with ``heartbeat_interval`` (seconds) a trial whose heartbeat is older than
    ``grace_period`` (Optuna's default: twice the interval) is failed and retried ``max_retry``
    times by Optuna's :class:`RetryHeartbeatStaleTrialCallback`."""
    with warnings.catch_warnings():  # Optuna marks its heartbeat experimental: expected here
        warnings.simplefilter("ignore", ExperimentalWarning)
        kwargs: dict[str, Any] = {}
        if heartbeat_interval:
            kwargs = {"heartbeat_interval": int(heartbeat_interval), "grace_period": grace_period,
                      "heartbeat_stale_trial_callback": RetryHeartbeatStaleTrialCallback(max_retry=max_retry)}
        try:
            return RDBStorage(url, **kwargs)
        except Exception as exc:  # noqa: BLE001 - SQLAlchemy's many connection errors: one line
            raise StorageError(f"hydra.sweeper.storage={url}: cannot open the study's storage: "
                               f"{storage_reason(exc)}") from None


def storage_reason(exc: BaseException, limit: int = 300) -> str:
    """A storage error as one short line (SQLAlchemy's multi-line text without its help link)."""
    return " ".join(str(exc).split()).split(" (Background on this error")[0][:limit]


def has_heartbeat(storage: Any) -> bool:
    """Whether ``storage`` (an Optuna storage object) records heartbeats."""
    # Optuna's BaseHeartbeat is not exported: ask for its two methods
    return callable(getattr(storage, "record_heartbeat", None)) and storage.get_heartbeat_interval() is not None


class Heartbeat:
    """``with Heartbeat(storage, trial_id):`` records the trial's heartbeat every interval."""

    def __init__(self, storage: Any, trial_id: int) -> None:
        self.storage, self.trial_id = storage, trial_id
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        if has_heartbeat(self.storage):
            self.storage.record_heartbeat(self.trial_id)
            self.thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat-{self.trial_id}")
            self.thread.start()
        return self

    def _beat(self) -> None:
        interval = self.storage.get_heartbeat_interval()
        while not self.stop.wait(interval):
            try:
                self.storage.record_heartbeat(self.trial_id)
            except Exception:  # noqa: BLE001 - a locked or lost storage: try again next beat; a lost
                continue  # one is reported by the worker at its next tell

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()


def worker_threads(n_jobs: int) -> int:
    """torch threads per worker: this machine's cores divided between ``n_jobs`` workers."""
    return max(1, (os.cpu_count() or 1) // n_jobs)


def run_workers(n_jobs: int, arguments: Sequence[str]) -> list[int]:
    """Run ``argmine <arguments>`` in ``n_jobs`` processes at once and wait for all of them;
    returns their exit codes. Each has :data:`WORKER_ENV` set and its share of the threads."""
    threads = str(worker_threads(n_jobs))
    procs = []
    for k in range(n_jobs):
        env = {**os.environ, WORKER_ENV: str(k), "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
        procs.append(subprocess.Popen([sys.executable, "-m", "argmine.cli", *arguments], env=env))
    return [p.wait() for p in procs]
