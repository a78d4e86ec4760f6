"""``python -m benchmarks NAME [options]`` (or ``make bench NAME=...``).

NAME: train_transformer, train_bilstm, predict, load, metrics, config_errors, all, or ``report`` (rebuild
``benchmarks/RESULTS.md`` from ``benchmarks/results/*.json``). Each benchmark alternates argmine
and its baseline in this process, prints a table and writes ``benchmarks/results/<name>.json``.
``python -m benchmarks NAME --help`` lists a benchmark's options.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

BENCHMARKS = {
    "config_errors": "benchmarks.bench_config_errors",
    "load": "benchmarks.bench_load",
    "metrics": "benchmarks.bench_metrics",
    "train_bilstm": "benchmarks.bench_train_bilstm",
    "train_transformer": "benchmarks.bench_train_transformer",
}
ALL_ORDER = ("load", "metrics", "train_bilstm", "train_transformer", "predict")


def _predict_available() -> bool:
    return (Path(__file__).resolve().parent / "predict.py").is_file()


def _run_one(name: str, argv: list[str], out_dir: Path) -> None:
    from benchmarks.common import print_table, set_threads, write_result

    if name == "predict":
        if not _predict_available():
            print("predict: benchmarks/predict.py is not there yet; skipped")
            return
        module = importlib.import_module("benchmarks.predict")
        sys.argv = ["python -m benchmarks predict", *argv]
        module.main()
        return
    module = importlib.import_module(BENCHMARKS[name])
    parser = argparse.ArgumentParser(prog=f"python -m benchmarks {name}", description=module.__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="torch.set_num_threads for both sides (1: robust on a shared 2-core machine)")
    parser.add_argument("--out-dir", type=Path, default=out_dir, help="where <name>.json goes")
    module.add_arguments(parser)
    args = parser.parse_args(argv)
    set_threads(args.threads)
    print(f"== {name} (torch threads={args.threads}, loadavg {_loadavg()})")
    result = module.run(args)
    result.extra.setdefault("threads", args.threads)
    path = write_result(result, args.out_dir)
    print_table(result)
    print(f"wrote {path}")


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("WANDB_MODE", "disabled")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    names = [*BENCHMARKS, "predict", "all", "report"]
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in names:
        print(__doc__)
        print("choose one of:", ", ".join(names))
        raise SystemExit(0 if argv and argv[0] in {"-h", "--help"} else 2)
    name, rest = argv[0], argv[1:]
    from benchmarks.common import RESULTS_DIR

    if name == "report":
        from benchmarks.report import write_report

        print(f"wrote {write_report()}")
        return
    if name == "all":
        for each in ALL_ORDER:
            _run_one(each, [], RESULTS_DIR)  # defaults: options differ per benchmark
        from benchmarks.report import write_report

        print(f"wrote {write_report()}")
        return
    _run_one(name, rest, RESULTS_DIR)


if __name__ == "__main__":
    main()
