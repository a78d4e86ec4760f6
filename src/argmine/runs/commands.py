"""``argmine train`` and ``argmine eval``: Hydra entry points (``-m`` for multirun).

The last line printed by a successful run is its run folder.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from argmine.config_path import configs_dir
from argmine.errors import ArgmineError
from argmine.runs.experiment_file import resolve_experiment_file

log = logging.getLogger("argmine")


def _run_hydra(config_name: str, argv: Sequence[str], task: str) -> int:
    # deferred: Hydra loads only when train or eval runs, not for `argmine --help`
    import hydra
    from omegaconf import DictConfig

    result: dict[str, float] = {}

    @hydra.main(version_base="1.3", config_path=str(configs_dir()), config_name=config_name)
    def _main(cfg: DictConfig) -> float | list[float | None] | None:
        # deferred: needed only inside the Hydra app
        from hydra.core.hydra_config import HydraConfig

        # deferred: loaded only inside a started run (config_check brings omegaconf and the signatures)
        from argmine.quiet import quiet_lightning_tips
        from argmine.training.config_check import check_config
        from argmine.training.run_record import RunRecord, log_to_file, route_library_logs

        record = RunRecord(Path(HydraConfig.get().runtime.output_dir), task, list(argv))
        record.start()
        try:
            check_config(cfg)  # before torch is imported or anything is written
            # deferred: torch and Lightning are imported only for a good config
            from argmine.runs.dispatch import run_training
            from argmine.training import train as train_module

            route_library_logs()  # after Lightning's import, which installs its own handlers
            quiet_lightning_tips()
            train_module.configure_torch(bool(cfg.get("deterministic", False)), bool(cfg.get("cpu_portable", False)))
            fn = run_training if task == "train" else train_module.evaluate
            metrics = fn(cfg)
        except ArgmineError as exc:
            record.fail(f"error: {exc}", refused=True)
            print(f"argmine {task}: error: {exc}", file=sys.stderr)
            raise SystemExit(1) from None
        except MemoryError:
            message = "out of memory; lower data.batch_size or set data.max_tokens"
            record.fail(f"error: {message}", refused=True)
            print(f"argmine {task}: error: {message}", file=sys.stderr)
            raise SystemExit(1) from None
        except SystemExit as exc:  # Lightning exits with 1 after a Ctrl-C (KeyboardInterrupt)
            record.fail(f"stopped (interrupted, or exited with status {exc.code})")
            raise
        except BaseException as exc:
            # deferred: only a crashed run formats a traceback
            import traceback

            record.fail("".join(traceback.format_exception(exc)).rstrip())
            raise
        pruned = metrics.pop("pruned_after_epoch", None)
        record.complete(None if pruned is None else int(pruned))
        result.update(metrics)
        for key in sorted(k for k in metrics if k.startswith("test/") and "/" not in k[5:]):
            print(f"{key}: {metrics[key]:.4f}")
            log_to_file(f"{key}: {metrics[key]:.4f}")
        print(HydraConfig.get().runtime.output_dir)
        objective = cfg.get("optimized_metric")
        if isinstance(objective, str) or objective is None:
            return metrics.get(objective) if objective else None
        return [metrics.get(name) for name in objective]  # a multi-objective sweep

    # deferred: with `import hydra` above, loaded only when train or eval runs
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    saved = sys.argv
    # let config errors reach us unformatted; we print them as one line below
    os.environ.setdefault("HYDRA_FULL_ERROR", "1")
    with ExitStack() as stack:
        sys.argv = [f"argmine-{task}", *resolve_experiment_file(argv, stack, configs_dir())]
        try:
            _main()
        except (HydraException, OmegaConfBaseException) as exc:
            # deferred: only a config error needs the formatter
            from argmine.config_errors import describe

            print(f"argmine {task}: config error: {describe(exc)}", file=sys.stderr)
            return 1
        finally:
            sys.argv = saved
    return 0


def train_command(argv: Sequence[str]) -> int:
    return _run_hydra("train", argv, "train")


def eval_command(argv: Sequence[str]) -> int:
    return _run_hydra("eval", argv, "eval")
