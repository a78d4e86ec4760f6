"""Re-score finished tagger runs from their kept predictions with the current metrics.

Usage:
    python scripts/rescore_runs.py RUN [RUN ...] [--stage test] [--update experiments/NAME/results.json]

RUN is a run folder (``outputs/train/runs/...`` or a multirun job folder) holding
``.hydra/config.yaml`` and ``predictions/<stage>.jsonl``. Prints, per run, each re-scored metric
beside the value the run logged (``metrics.json``), then mean ± std over the runs. With
``--update`` the results file's ``ours`` values for the metrics it compares with a paper are
replaced by the re-scored ones, the other headline scores (e.g. ``r_f1_doc_*``) go under
``other``, the command is recorded under ``rescored`` and ``results.md`` is rewritten. Needs the
corpus (``ARGMINE_DATA_DIR``) as the runs did.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from argmine.errors import ArgmineError
from argmine.reproduce.commands import RELATION_PROTOCOL, write_markdown
from argmine.reproduce.rescore import rescore_run, summarize


def headline(key: str) -> bool:
    """``test/c_f1_exact``, ``test/r_f1_doc_50``, ...: the micro F1 scores, not per label."""
    parts = key.split("/")
    return len(parts) == 2 and parts[1].startswith(("c_f1_", "r_f1_"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--stage", default="test")
    parser.add_argument("--update", type=Path, default=None, help="a results.json to update")
    args = parser.parse_args(argv)
    per_run = []
    try:
        for run in args.runs:
            scores = rescore_run(run, args.stage)
            logged_path = run / "metrics.json"
            logged = json.loads(logged_path.read_text(encoding="utf-8")) if logged_path.is_file() else {}
            print(f"{run}")
            for key in sorted(filter(headline, scores)):
                before = logged.get(key)
                shown = "-" if before is None else f"{before:.4f}"
                print(f"  {key}: {scores[key]:.4f} (logged {shown})")
            per_run.append(scores)
    except ArgmineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    keys = sorted({k for run in per_run for k in run})
    summary = summarize(per_run, keys)
    print(f"over {len(per_run)} run(s):")
    for key in filter(headline, keys):
        s = summary[key]
        print(f"  {key}: {s['mean']:.4f} ± {s['std']:.4f} (n={s['n']})")
    if args.update is not None:
        result = json.loads(args.update.read_text(encoding="utf-8"))
        paper = result.get("paper", {})
        result["ours"].update({key: summary[key] for key in paper if key in summary})
        result["other"] = {key: summary[key] for key in filter(headline, keys) if key not in paper}
        if any("/r_f1_" in key for key in paper):
            result["relation_protocol"] = RELATION_PROTOCOL
        result["rescored"] = {
            "command": "python scripts/rescore_runs.py " + " ".join(shlex.quote(str(a)) for a in (argv or sys.argv[1:])),
        }
        args.update.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        if {"name", "description", "paper_source", "command", "commit", "machine", "wall_s"} <= set(result):
            write_markdown(result, args.update.parent)
        print(f"updated {args.update}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
