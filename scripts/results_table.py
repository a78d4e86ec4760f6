"""Regenerate experiments/README.md from the results.json files that `argmine reproduce` wrote.

Usage: python scripts/results_table.py [--check]
Numbers in the table come only from those files; --check exits 1 if README.md is out of date.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"

HEADER = """# Reproductions

Every row comes from `experiments/<setting>/results.json`, written by `argmine reproduce <setting>`
(see each folder's `results.md` for the exact command, commit and machine). Regenerate this table
with `python scripts/results_table.py`. Settings without a results file have not been run yet.
Runtime = wall time of the whole command (all seeds or folds) on the 2-core CPU machine; the
recorded runs used one torch thread each, most with two jobs running side by side. What each
setting measures, its scorer and what is not reproduced (LSTM-ER itself; Komninos word embeddings,
replaced by MiniLM-derived ones in the Eger settings):
`docs/reproduce.md`. No GPU results: no GPU was available when these were made.

R-F1 rows name the protocol they were scored with (`docs/structure.md`): Eger et al.'s per-unit
R-F1, or, for results not re-scored since the protocols were split, argmine's document-level
variant (claims linked to the essay's last major claim), which is not comparable at paragraph level.

| setting | metric | paper | ours (mean ± std) | n | difference | R-F1 protocol | runtime | machine |
|---|---|---|---|---|---|---|---|---|
"""


def protocol(key: str, result: dict) -> str:
    if "/r_f1_" not in key:
        return ""
    name = result.get("relation_protocol", "document level (not re-scored)")
    return name + (" (re-scored, command in results.md)" if "rescored" in result else "")


def table() -> str:
    rows = []
    for path in sorted(EXPERIMENTS.glob("*/results.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        if result.get("quick"):  # a smoke run (`argmine reproduce --quick --out ...`), not a reproduction
            continue
        for key, paper in result["paper"].items():
            ours = result["ours"][key]
            rows.append(
                f"| [{result['name']}]({path.parent.name}/results.md) | {key} | {paper:.4f} | "
                f"{ours['mean']:.4f} ± {ours['std']:.4f} | {ours['n']} | {ours['mean'] - paper:+.4f} | "
                f"{protocol(key, result)} | {result['wall_s'] / 60:.1f} min | {result['machine'].split(',')[0]} |"
            )
    return HEADER + "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = table()
    target = EXPERIMENTS / "README.md"
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date; run python scripts/results_table.py", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
