"""A resumable Optuna sweeper: ``n_trials`` is the size of the whole study, not of one call.

hydra-optuna-sweeper 1.3 runs ``n_trials`` *more* trials every time it is called and numbers
its jobs from 0, so re-running a sweep after a crash starts over and overwrites job folders.
:class:`ResumableOptunaSweeper` (select it with ``hydra.sweeper._target_``) keeps the study in
the sqlite storage of the sweep folder and, when called again:

- a trial left ``RUNNING`` by a killed process is finished from its job folder's
  ``metrics.json`` when that holds the objective, and otherwise re-run with the same parameters
  in the same job folder;
- only ``n_trials`` minus the finished trials (complete, pruned or failed) are sampled anew;
- the job folder of a trial is always ``<sweep>/<trial number>``, so no folder is overwritten;
- a seeded sampler is re-seeded with ``seed + finished trials`` so a resumed sweep does not
  re-draw the parameters of its first trials.

Pruning is not possible here: the launcher runs each trial as one job and hands back only its
final return value (see docs/sweeps.md).
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

import optuna
from hydra.types import HydraContext, TaskFunction
from hydra.utils import instantiate
from hydra_plugins.hydra_optuna_sweeper._impl import OptunaSweeperImpl, create_params_from_overrides
from hydra_plugins.hydra_optuna_sweeper.optuna_sweeper import OptunaSweeper
from omegaconf import DictConfig, OmegaConf
from optuna.trial import TrialState

from argmine.quiet import plain_optuna_logs

log = logging.getLogger(__name__)

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


class ResumableOptunaSweeper(OptunaSweeper):
    """``OptunaSweeper`` whose study resumes (same arguments as the plugin's sweeper)."""

    def __init__(self, **kwargs: Any) -> None:
        self.sweeper = _ResumableImpl(**kwargs)


class _ResumableImpl(OptunaSweeperImpl):
    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        super().setup(hydra_context=hydra_context, task_function=task_function, config=config)
        plain_optuna_logs()
        self.sampler_cfg = config.hydra.sweeper.get("sampler")
        self.objective_key = config.get("optimized_metric")

    def sweep(self, arguments: list[str]) -> None:
        self._process_searchspace_config()
        params_conf = self._parse_sweeper_params_config() + list(arguments)
        distributions, fixed = create_params_from_overrides(params_conf)
        if self.search_space_distributions:
            distributions = {**self.search_space_distributions, **distributions}
        for name in fixed:
            distributions.pop(name, None)
        directions = self._get_directions()
        self._check_objective()
        Path(str(self.sweep_dir)).mkdir(parents=True, exist_ok=True)

        probe = optuna.create_study(study_name=self.study_name, storage=self.storage,
                                    directions=directions, load_if_exists=True)
        n_done = sum(t.state in FINISHED for t in probe.get_trials(deepcopy=False))
        study = optuna.create_study(study_name=self.study_name, storage=self.storage,
                                    sampler=self._sampler(n_done), directions=directions, load_if_exists=True)
        log.info("Study %s in %s: %d finished trial(s), %d to go", study.study_name, self.storage,
                 n_done, max(0, self.n_trials - n_done))

        for frozen in [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.RUNNING]:
            value = self._recorded_value(frozen.number)
            if value is not None:
                log.info("trial %d: recovered its value %s from metrics.json", frozen.number, value)
                study.tell(frozen.number, value)
            else:
                log.info("trial %d was interrupted: running it again", frozen.number)
                params = {**frozen.params, **fixed}
                self._run(study, [frozen.number], [tuple(f"{k}={v}" for k, v in params.items())], directions)

        while (to_go := self.n_trials - sum(t.state in FINISHED for t in study.get_trials(deepcopy=False))) > 0:
            trials = [study.ask() for _ in range(min(self.n_jobs, to_go))]
            overrides = self._configure_trials(trials, distributions, fixed)
            self._run(study, [t.number for t in trials], overrides, directions)
        self._save_results(study, directions)

    # -- helpers ---------------------------------------------------------------------------------
    def _check_objective(self) -> None:
        """A misspelled ``optimized_metric`` stops the sweep before its study is created, not
        after each trial has trained (the sweep's data and model are built once and asked)."""
        if not self.objective_key:
            return
        from argmine.training.train import check_objective

        task_cfg = OmegaConf.masked_copy(self.config, [k for k in self.config if k != "hydra"])
        check_objective(task_cfg, str(self.objective_key))

    def _sampler(self, n_done: int) -> Any:
        """The configured sampler, re-seeded with ``seed + n_done`` when resuming a seeded one."""
        cfg = self.sampler_cfg
        if n_done and cfg is not None and cfg.get("seed") is not None and not cfg.get("_partial_"):
            return instantiate(OmegaConf.merge(cfg, {"seed": int(cfg.seed) + n_done}))
        return self.sampler

    def _recorded_value(self, number: int) -> float | None:
        path = Path(str(self.sweep_dir)) / str(number) / "metrics.json"
        if not self.objective_key or not path.is_file():
            return None
        try:
            value = json.loads(path.read_text(encoding="utf-8")).get(self.objective_key)
        except (OSError, json.JSONDecodeError):
            return None
        return float(value) if isinstance(value, (int, float)) and not math.isnan(value) else None

    def _run(self, study: optuna.Study, numbers: list[int], overrides: Any, directions: list[str]) -> None:
        """Launch trials as jobs numbered by their trial number; tell the study their values."""
        groups: list[list[int]] = []
        for i, number in enumerate(numbers):
            if groups and numbers[groups[-1][-1]] + 1 == number:
                groups[-1].append(i)
            else:
                groups.append([i])
        failures = 0
        for group in groups:
            returns = self.launcher.launch([overrides[i] for i in group], initial_job_idx=numbers[group[0]])
            for i, ret in zip(group, returns, strict=True):
                try:
                    raw = ret.return_value
                    values = [float(raw)] if len(directions) == 1 else [float(v) for v in raw]
                    if any(math.isnan(v) for v in values):
                        raise ValueError(f"objective is NaN (metric {self.objective_key!r})")
                    study.tell(numbers[i], values if len(values) > 1 else values[0])
                except Exception as exc:  # noqa: BLE001 - a failed job is a failed trial
                    study.tell(numbers[i], state=TrialState.FAIL)
                    log.warning("trial %d failed: %s", numbers[i], exc)
                    failures += 1
        if numbers and failures / len(numbers) > self.max_failure_rate:
            raise RuntimeError(f"{failures} of {len(numbers)} trial(s) failed "
                               f"(hydra.sweeper.max_failure_rate={self.max_failure_rate})")

    def _save_results(self, study: optuna.Study, directions: list[str]) -> None:
        complete = [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.COMPLETE]
        if not complete:
            return
        if len(directions) == 1:
            best = study.best_trial
            results: dict[str, Any] = {"name": "optuna", "best_params": best.params, "best_value": best.value}
            log.info("Best parameters: %s; best value: %s", best.params, best.value)
        else:
            results = {"name": "optuna", "solutions": [{"params": t.params, "values": t.values}
                                                       for t in study.best_trials]}
        OmegaConf.save(OmegaConf.create(results), Path(str(self.sweep_dir)) / "optimization_results.yaml")
