"""argmine's Hydra sweeper on current Optuna (select it with ``hydra.sweeper._target_``, as the
``hparams_search`` configs do; the shim in :mod:`hydra_plugins.argmine_sweeps` builds it).

- ``n_trials`` is the size of the whole study: re-running the same command resumes it. A trial
  left ``RUNNING`` by a killed process is finished from its job folder's ``metrics.json`` when
  that holds the objective, and otherwise re-run with the same parameters in the same folder;
  only ``n_trials`` minus the finished trials (complete, pruned or failed) are sampled anew.
- The job folder of a trial is always ``<sweep>/<trial number>``; a seeded sampler is re-seeded
  with ``seed + finished trials`` on resume, so it does not re-draw the first trials' parameters.
- The study remembers its search space and directions; the same study name with another one is
  refused (:func:`check_same_study`), never mixed.
- With ``hydra.sweeper.pruner`` set, each trial reports the objective after every validation
  epoch and stops when the pruner says so (:class:`argmine.training.pruning.OptunaPruning`); the
  trial is then recorded as ``PRUNED``.

Limits: ``direction`` may be a list (multi-objective) only with a list ``optimized_metric`` of
the same length; pruning needs a single objective (Optuna's rule).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import os
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import optuna
from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState
from sqlalchemy.exc import SQLAlchemyError

from argmine import metric_names
from argmine.errors import ArgmineError, ConfigError
from argmine.quiet import plain_optuna_logs
from argmine.sweeps.best_config import write_best_config
from argmine.sweeps.search_space import parse_search_space, space_signature, trial_overrides
from argmine.sweeps.workers import (
    WORKER_ENV,
    Heartbeat,
    StorageError,
    has_heartbeat,
    rdb_storage,
    run_workers,
    storage_reason,
)
from argmine.training.pruning import PRUNED_ATTR, make_storage

log = logging.getLogger(__name__)

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
#: the study's user attributes argmine keeps: the search space it was created with
SPACE_ATTR = "argmine_search_space"
#: a trial's user attribute: asked by a worker after the study was full, told FAIL at once
SURPLUS_ATTR = "argmine_surplus"


class OptunaSweeper(Sweeper):
    """Hydra sweeper over an Optuna study (arguments: ``hydra.sweeper.*`` of the configs)."""

    def __init__(self, sampler: Any = None, direction: Any = "maximize", storage: str | None = None,
                 study_name: str | None = None, n_trials: int = 20, n_jobs: int = 1,
                 max_failure_rate: float = 0.0, params: dict[str, str] | None = None,
                 pruner: Any = None, heartbeat_interval: int | None = None, grace_period: int | None = None,
                 max_retry: int = 1, resume_running: bool = True) -> None:
        self.directions = [str(d) for d in (direction if isinstance(direction, (list, tuple)) or
                                            OmegaConf.is_list(direction) else [direction])]
        self.storage_url = storage
        self.study_name = study_name
        self.n_trials = int(n_trials)
        self.n_jobs = max(1, int(n_jobs))
        self.max_failure_rate = float(max_failure_rate)
        self.params = dict(params or {})
        self.heartbeat = (heartbeat_interval, grace_period, int(max_retry))
        self.resume_running = bool(resume_running)

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        plain_optuna_logs()
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config)
        self.sweep_dir = Path(str(config.hydra.sweep.dir))
        self.objective = config.get("optimized_metric")
        # Hydra hands the sampler and pruner over already built; their configs are what a resumed
        # study needs (a re-seeded sampler) and what a grid sampler is completed from
        self.sampler_cfg = config.hydra.sweeper.get("sampler")
        self.pruner_cfg = config.hydra.sweeper.get("pruner")

    # -- the sweep -------------------------------------------------------------------------------
    def sweep(self, arguments: list[str]) -> None:
        distributions, fixed = parse_search_space([f"{k}={v}" for k, v in self.params.items()] + list(arguments))
        worker = os.environ.get(WORKER_ENV) is not None
        self._check_directions()
        if self.n_jobs > 1 and self.storage_url is None:
            raise ConfigError("hydra.sweeper.n_jobs > 1 needs a storage its workers share "
                              "(hydra.sweeper.storage=sqlite:///PATH, journal:PATH or postgresql://...)")
        if not worker:  # the process that started the workers checked it
            self._check_objective()
        self.sweep_dir.mkdir(parents=True, exist_ok=True)
        storage = self._storage()
        existing = self._existing(storage)
        if existing is not None:
            check_same_study(existing, self.directions, distributions, self.storage_url)
        n_done = 0 if existing is None else sum(t.state in FINISHED for t in existing.get_trials(deepcopy=False))
        study = optuna.create_study(study_name=self.study_name, storage=storage, sampler=self._sampler(n_done, distributions),
                                    pruner=self._pruner(), directions=self.directions, load_if_exists=True)
        if existing is None:
            study.set_user_attr(SPACE_ATTR, space_signature(distributions))
        log.info("Study %s in %s: %d finished trial(s), %d to go", study.study_name, self.storage_url,
                 n_done, max(0, self.n_trials - n_done))
        # without a heartbeat a RUNNING trial was left by a killed process (one process owns the
        # study; resume_running=false when joining others); with it, RUNNING trials belong to
        # live workers and Optuna fails the stale ones
        take_over = not worker and not has_heartbeat(storage) and self.resume_running
        if self.n_jobs > 1 and not worker:
            if take_over:
                self._finish_interrupted(study, fixed)
            codes = run_workers(self.n_jobs, self._worker_arguments(study.study_name))
            if any(codes) and len(self._finished(study)) < self.n_trials:
                raise ArgmineError(f"{sum(c != 0 for c in codes)} of {self.n_jobs} sweep workers failed "
                                   f"(exit codes {codes}); the study's trials are kept in {self.storage_url}: "
                                   "run the same command again to finish it")
        else:
            self._work(study, distributions, fixed, take_over)
        if not worker:  # the workers' parent writes best.yaml and the report, once
            self._save_results(study)

    def _work(self, study: optuna.Study, distributions: dict[str, Any], fixed: dict[str, str],
              take_over: bool) -> None:
        """Draw trials until the study holds ``n_trials``; any number of processes may do this on
        one study at once: a trial asked after the study was full is told FAIL (surplus) at once."""
        try:
            self._draw(study, distributions, fixed, take_over)
        except (SQLAlchemyError, OSError, optuna.exceptions.StorageInternalError) as exc:  # the storage went away
            raise StorageError(f"hydra.sweeper.storage={self.storage_url}: lost the study's storage "
                               f"({storage_reason(exc, 200)}); the trials it holds are kept: run the same command "
                               "again once it is back") from None

    def _draw(self, study: optuna.Study, distributions: dict[str, Any], fixed: dict[str, str],
              take_over: bool) -> None:
        if take_over:
            self._finish_interrupted(study, fixed)
        heartbeat = has_heartbeat(study._storage)  # noqa: SLF001 - the study's own storage object
        while True:
            with _experimental_ok():  # heartbeat: dead workers' trials FAIL, retried
                optuna.storages.fail_stale_trials(study)
            trials = study.get_trials(deepcopy=False)
            counted = _counted(trials)
            states = {t.number: t.state for t in trials}
            waiting = any(states[n] == TrialState.WAITING for n in counted[: self.n_trials])
            if len(counted) >= self.n_trials and not waiting:
                if heartbeat and any(states[n] == TrialState.RUNNING for n in counted):
                    # others' trials: wait until they finish or their heartbeat stops (then retried here)
                    time.sleep(study._storage.get_heartbeat_interval())  # noqa: SLF001
                    continue
                return
            trial = study.ask(distributions)
            if trial.number not in _counted(study.get_trials(deepcopy=False))[: self.n_trials]:
                trial.set_user_attr(SURPLUS_ATTR, True)
                study.tell(trial.number, state=TrialState.FAIL)
                continue  # the study is full: wait for the others (or pick up a retried trial)
            with Heartbeat(study._storage, trial._trial_id):  # noqa: SLF001 - the study's storage and id
                self._run(study, [trial.number], [trial.params], fixed)

    def _finished(self, study: optuna.Study) -> list[int]:
        trials = study.get_trials(deepcopy=False)
        return [n for n in _counted(trials) if trials[n].state in (TrialState.COMPLETE, TrialState.PRUNED)]

    def _storage(self) -> Any:
        """The study's storage: an RDB one with the heartbeat when ``heartbeat_interval`` is set."""
        url = self.storage_url
        if url is None or url.startswith("journal:"):
            try:
                return make_storage(url)
            except OSError as exc:
                raise StorageError(f"hydra.sweeper.storage={url}: cannot open the journal file: {exc}") from None
        return rdb_storage(url, *self.heartbeat)

    def _worker_arguments(self, study_name: str) -> list[str]:
        """This sweep's command line for a worker: the same overrides, one job per process, and
        the values the workers must share pinned as resolved here (a ``${now:...}`` sweep folder
        would resolve again in each worker; an unnamed study would be a new one in each)."""
        pinned = {"hydra.sweeper.n_jobs": "1", "hydra.sweep.dir": str(self.sweep_dir),
                  "hydra.sweeper.storage": str(self.storage_url), "hydra.sweeper.study_name": study_name}
        overrides = self.config.hydra.overrides
        keep = [o for o in [*overrides.hydra, *overrides.task] if o.lstrip("+~").split("=", 1)[0] not in pinned]
        return ["train", "-m", *keep, *(f"{key}={_quoted(value)}" for key, value in pinned.items())]

    def _finish_interrupted(self, study: optuna.Study, fixed: dict[str, str]) -> None:
        """Trials a killed process left ``RUNNING``: their recorded value, or run them again."""
        for frozen in [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.RUNNING]:
            value = self._recorded_value(frozen.number)
            if value is not None:
                log.info("trial %d: recovered its value %s from metrics.json", frozen.number, value)
                study.tell(frozen.number, value)
            else:
                log.info("trial %d was interrupted: running it again", frozen.number)
                self._run(study, [frozen.number], [dict(frozen.params)], fixed)

    def _run(self, study: optuna.Study, numbers: list[int], params: list[dict[str, Any]],
             fixed: dict[str, str]) -> None:
        """Launch trials as jobs numbered by their trial number; tell the study their outcome."""
        failures = 0
        for group in _consecutive(numbers):
            overrides = [trial_overrides(params[i], fixed) + self._trial_link(study, numbers[i]) for i in group]
            returns = self.launcher.launch(overrides, initial_job_idx=numbers[group[0]])
            for i, ret in zip(group, returns, strict=True):
                failures += not self._tell(study, numbers[i], ret)
        if numbers and failures / len(numbers) > self.max_failure_rate:
            raise ArgmineError(f"{failures} of {len(numbers)} trial(s) failed "
                               f"(hydra.sweeper.max_failure_rate={self.max_failure_rate})")

    def _trial_link(self, study: optuna.Study, number: int) -> list[str]:
        """What a trial's run needs to report to its study (for pruning): ``optuna_trial=...``."""
        if self.pruner_cfg is None or self.storage_url is None:
            return []
        return [f"optuna_trial={{storage:'{self.storage_url}',study_name:'{study.study_name}',number:{number}}}"]

    def _tell(self, study: optuna.Study, number: int, ret: Any) -> bool:
        """Record one job's outcome; False when the trial failed."""
        trial = study.get_trials(deepcopy=False)[number]
        try:
            raw = ret.return_value
        except Exception as exc:  # noqa: BLE001 - a failed job is a failed trial
            study.tell(number, state=TrialState.FAIL, skip_if_finished=True)
            log.warning("trial %d failed: %s", number, exc)
            return False
        if PRUNED_ATTR in trial.user_attrs:
            study.tell(number, state=TrialState.PRUNED, skip_if_finished=True)
            log.info("trial %d pruned after epoch %s", number, trial.user_attrs[PRUNED_ATTR])
            return True
        try:
            values = [float(v) for v in (raw if isinstance(raw, (list, tuple)) else [raw])]
            if len(values) != len(self.directions) or any(math.isnan(v) for v in values):
                raise ValueError(f"objective {values} does not fit optimized_metric={self.objective!r}")
        except (TypeError, ValueError) as exc:
            study.tell(number, state=TrialState.FAIL, skip_if_finished=True)
            log.warning("trial %d failed: %s", number, exc)
            return False
        study.tell(number, values if len(values) > 1 else values[0], skip_if_finished=True)
        return True

    # -- checks and parts ------------------------------------------------------------------------
    def _check_directions(self) -> None:
        bad = [d for d in self.directions if d not in ("minimize", "maximize")]
        if bad:
            raise ConfigError(f"hydra.sweeper.direction: {bad[0]!r} is not minimize or maximize")
        metrics = self.objective if OmegaConf.is_list(self.objective) else [self.objective]
        if self.objective is not None and len(metrics) != len(self.directions):
            raise ConfigError(f"hydra.sweeper.direction has {len(self.directions)} direction(s) but "
                              f"optimized_metric names {len(metrics)} metric(s)")
        if self.pruner_cfg is not None and len(self.directions) > 1:
            raise ConfigError("hydra.sweeper.pruner: Optuna prunes single-objective studies only")

    def _check_objective(self) -> None:
        """A misspelled ``optimized_metric`` stops the sweep before its study is created, not
        after each trial has trained (the sweep's data and model are built once and asked)."""
        if not self.objective:
            return
        objectives = [str(n) for n in (self.objective if OmegaConf.is_list(self.objective) else [self.objective])]
        for name in objectives:
            malformed = metric_names.problem("optimized_metric", name)
            if malformed:  # a typo: before the data and model are built
                raise ConfigError(malformed)
        # deferred: training.train imports torch and Lightning; only a sweep with an objective needs it
        from argmine.training.train import check_objective

        task_cfg = OmegaConf.masked_copy(self.config, [k for k in self.config if k != "hydra"])
        for name in objectives:
            check_objective(task_cfg, name)

    def _existing(self, storage: Any) -> optuna.Study | None:
        if self.study_name is None:
            return None
        try:
            return optuna.load_study(study_name=self.study_name, storage=storage)
        except KeyError:
            return None

    def _sampler(self, n_done: int, distributions: dict[str, Any]) -> Any:
        """The configured sampler, re-seeded with ``seed + n_done`` when resuming a seeded one
        (and apart for each worker process, so workers do not draw the same parameters); a grid
        sampler (``_partial_: true``) gets the grid of the ``choice``/``range`` params."""
        cfg = self.sampler_cfg
        if cfg is None:
            return None
        worker = os.environ.get(WORKER_ENV)
        offset = n_done + (1000 * (int(worker) + 1) if worker is not None else 0)
        if offset and cfg.get("seed") is not None:
            cfg = OmegaConf.merge(cfg, {"seed": int(cfg.seed) + offset})
        sampler = instantiate(cfg)
        if isinstance(sampler, functools.partial):
            sampler = sampler(search_space=grid_of(distributions))
        return sampler

    def _pruner(self) -> Any:
        return None if self.pruner_cfg is None else instantiate(self.pruner_cfg)

    def _recorded_value(self, number: int) -> float | None:
        path = self.sweep_dir / str(number) / "metrics.json"
        if not isinstance(self.objective, str) or not path.is_file():
            return None
        try:
            value = json.loads(path.read_text(encoding="utf-8")).get(self.objective)
        except (OSError, json.JSONDecodeError):
            return None
        return float(value) if isinstance(value, (int, float)) and not math.isnan(value) else None

    def _save_results(self, study: optuna.Study) -> None:
        complete = [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.COMPLETE]
        if not complete:
            return
        if len(self.directions) == 1:
            best = study.best_trial
            results: dict[str, Any] = {"name": "optuna", "best_params": best.params, "best_value": best.value}
            log.info("Best parameters: %s; best value: %s", best.params, best.value)
            path = write_best_config(self.sweep_dir / str(best.number), self.sweep_dir / "best.yaml",
                                     study_name=study.study_name, trial=best.number,
                                     metric=str(self.objective), value=float(best.value))
            log.info("The best trial as an experiment: argmine train experiment=%s", path)
        else:
            results = {"name": "optuna", "solutions": [{"params": t.params, "values": t.values}
                                                       for t in study.best_trials]}
        OmegaConf.save(OmegaConf.create(results), self.sweep_dir / "optimization_results.yaml")


def check_same_study(study: optuna.Study, directions: list[str], distributions: dict[str, Any],
                     storage: str | None) -> None:
    """Refuse to add trials to a stored study made with other directions or another search space."""
    stored = [d.name.lower() for d in study.directions]
    hint = "give the sweep another name= (or hydra.sweeper.study_name=), or remove the study from " f"{storage}"
    if stored != directions:
        raise ConfigError(f"study {study.study_name!r} in {storage} optimizes {stored}, not {directions}: {hint}")
    saved = study.user_attrs.get(SPACE_ATTR)
    wanted = space_signature(distributions)
    if saved is not None and saved != wanted:
        old, new = json.loads(saved), json.loads(wanted)
        differ = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        raise ConfigError(f"study {study.study_name!r} in {storage} has another search space "
                          f"(differs in {', '.join(differ)}): {hint}")


def grid_of(distributions: dict[str, Any]) -> dict[str, list[Any]]:
    """The grid of a search space for Optuna's ``GridSampler``: every value of each parameter."""
    grid: dict[str, list[Any]] = {}
    for key, dist in distributions.items():
        if isinstance(dist, optuna.distributions.CategoricalDistribution):
            grid[key] = list(dist.choices)
        elif isinstance(dist, optuna.distributions.IntDistribution) and not dist.log:
            grid[key] = list(range(dist.low, dist.high + 1, dist.step))
        else:
            raise ConfigError(f"hydra.sweeper.params.{key}: a grid sampler needs choice() or range(), "
                              "not an interval")
    return grid


def _counted(trials: list[Any]) -> list[int]:
    """Numbers of the trials that count towards ``n_trials``, in order: all but surplus ones
    and stale ones that Optuna re-queued as a new trial."""
    with _experimental_ok():
        retried = {n for t in trials for n in RetryHeartbeatStaleTrialCallback.retry_history(t)}
    return [t.number for t in trials
            if not (t.state == TrialState.FAIL and (t.number in retried or t.user_attrs.get(SURPLUS_ATTR)))]


def _quoted(value: str) -> str:
    """A value for a Hydra override on a command line (no shell): quoted, so paths and URLs
    with ``:``, ``,`` or spaces stay one string."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@contextlib.contextmanager
def _experimental_ok() -> Iterator[None]:
    """Optuna marks its heartbeat helpers experimental; argmine uses them on purpose (here only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        yield


def _consecutive(numbers: list[int]) -> list[list[int]]:
    """Indices of ``numbers`` grouped into runs of consecutive trial numbers (one launch each)."""
    groups: list[list[int]] = []
    for i, number in enumerate(numbers):
        if groups and numbers[groups[-1][-1]] + 1 == number:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups
