"""Time reading all AAE v2 essays into documents: ``python benchmarks/load_essays.py [--root PATH]``.

Target: under 2 seconds. Prints the best of ``--repeat`` runs (first run includes file-cache
warm-up, so the cold time is printed too).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from argmine.corpora.aae2 import load_aae2

DEFAULT_ROOT = Path(
    os.environ.get("ARGMINE_SHARED_CORPORA", Path(__file__).resolve().parents[1].parent / "shared" / "corpora")
) / "aae2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="AAE v2 folder")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        corpus = load_aae2(args.root)
        times.append(time.perf_counter() - start)
    spans = sum(len(d.spans) for d in corpus.documents)
    print(
        f"read {len(corpus.documents)} essays ({spans} spans) from {args.root}: "
        f"first {times[0]:.3f} s, best {min(times):.3f} s (target < 2 s)"
    )


if __name__ == "__main__":
    main()
