"""A run folder's own record: ``run.json`` (status, command, times, error) and the whole log.

Hydra's job logging writes ``run.log`` in the run folder (``configs/hydra/default.yaml``);
:func:`route_library_logs` sends Lightning's messages there too, and the record adds the printed
results and any error. A run that ends in an error is renamed ``<run>_FAILED`` with
``"status": "failed"`` in ``run.json``; a start refused before anything was written (a config or
corpus error) leaves no folder at all. A process killed outright (``SIGKILL``, power loss) cannot
record anything: its folder keeps ``"status": "running"``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

STATUS_FILE = "run.json"
#: what Hydra and the record write before a run starts; a folder with nothing else is removed on failure
STARTUP_FILES = frozenset({".hydra", STATUS_FILE, "run.log"})
FAILED_SUFFIX = "_FAILED"


def route_library_logs() -> None:
    """Let Lightning's log messages reach the root logger (Hydra's console and ``run.log``)
    instead of the stderr handlers Lightning installs when imported before logging is set up."""
    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if type(handler) is logging.StreamHandler:
                logger.removeHandler(handler)
        logger.propagate = True


def log_to_file(line: str, level: int = logging.INFO) -> None:
    """Write ``line`` to the run's log file only (the console already shows it)."""
    record = logging.LogRecord("argmine", level, __file__, 0, line, None, None)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)


class RunRecord:
    """``run.json`` of one run folder (only the main process of a multi-process run writes it)."""

    def __init__(self, run_dir: Path, task: str, argv: list[str]) -> None:
        self.run_dir = run_dir
        self.active = os.environ.get("LOCAL_RANK", "0") == "0" and os.environ.get("NODE_RANK", "0") == "0"
        self.data: dict[str, Any] = {"status": "running", "task": task,
                                     "command": " ".join(["argmine", task, *argv]), "started": _now()}

    def start(self) -> None:
        self._write()

    def complete(self, pruned_after_epoch: int | None = None) -> None:
        """Training ended: ``completed``, or ``pruned`` (with the epoch) when an Optuna sweep's
        pruner stopped it."""
        if pruned_after_epoch is None:
            self.data.update(status="completed", finished=_now())
        else:
            self.data.update(status="pruned", pruned_after_epoch=pruned_after_epoch, finished=_now())
        self._write()

    def fail(self, error: str, refused: bool = False) -> Path | None:
        """Record ``error`` and rename the folder ``<run>_FAILED`` (returned). A ``refused``
        start (argmine's own error) whose folder holds nothing but what every start writes
        leaves no folder (returns ``None``)."""
        log_to_file(error, logging.ERROR)
        if not self.active or not self.run_dir.is_dir():
            return self.run_dir
        if refused and {p.name for p in self.run_dir.iterdir()} <= STARTUP_FILES:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            return None
        self.data.update(status="failed", finished=_now(), error=error)
        self._write()
        if self.run_dir.name.endswith(FAILED_SUFFIX):
            return self.run_dir
        target = self.run_dir.with_name(self.run_dir.name + FAILED_SUFFIX)
        n = 1
        while target.exists():  # an earlier failure in the same folder (hydra.run.dir=...)
            n += 1
            target = self.run_dir.with_name(f"{self.run_dir.name}{FAILED_SUFFIX}-{n}")
        self.run_dir.rename(target)
        self.run_dir = target
        return target

    def _write(self) -> None:
        if self.active and self.run_dir.is_dir():
            (self.run_dir / STATUS_FILE).write_text(json.dumps(self.data, indent=2) + "\n", encoding="utf-8")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
