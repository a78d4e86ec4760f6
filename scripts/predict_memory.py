"""Peak memory of ``argmine predict`` over a generated corpus of N documents (issue 40).

Writes ``N`` generated documents (2-4 paragraphs of generated sentences, ids ``d0..``) to
``OUT/corpus.jsonl.gz`` with the fields ``id`` and ``body``, then runs, in a child process,

    argmine predict --model MODEL --out OUT/pred corpus.jsonl.gz --text-field body --id-field id
        --shard-size SHARD --progress-every 0

and prints the wall time, documents/s and the child's peak resident memory (``ru_maxrss``). Run it
for two sizes: flat memory means the peak does not grow with N.

    python scripts/predict_memory.py --model <run>/model --docs 10000 --out /tmp/mem10k
    python scripts/predict_memory.py --model <run>/model --docs 100000 --out /tmp/mem100k
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

WORDS = ["the", "council", "should", "ban", "cars", "from", "the", "centre", "because", "air", "pollution", "harms", "children", "and", "shops", "lose", "customers", "when", "parking", "disappears", "however", "many", "residents", "support", "the", "plan", "since", "it", "makes", "streets", "safer", "although", "critics", "argue", "that", "buses", "are", "too", "slow", "and", "expensive", "studies", "show", "that", "cities", "with", "fewer", "cars", "attract", "more", "visitors", "therefore", "the", "reform", "deserves", "a", "trial", "year"]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 22))]
    return " ".join(words).capitalize() + "."


def write_corpus(path: Path, n: int, seed: int = 0) -> int:
    """``n`` generated documents as gzipped JSONL; returns the number of whitespace tokens."""
    rng = random.Random(seed)
    tokens = 0
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for i in range(n):
            paragraphs = [" ".join(sentence(rng) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(2, 4))]
            body = "\n".join(paragraphs)
            tokens += len(body.split())
            f.write(json.dumps({"id": f"d{i}", "body": body}) + "\n")
    return tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="exported model folder")
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--shard-size", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    corpus = args.out / "corpus.jsonl.gz"
    tokens = write_corpus(corpus, args.docs)
    command = [sys.executable, "-m", "argmine.cli", "predict", "--model", args.model, "--out", str(args.out / "pred"),
               str(corpus), "--text-field", "body", "--id-field", "id", "--shard-size", str(args.shard_size),
               "--progress-every", "0"]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"argmine predict failed ({proc.returncode}): {proc.stderr[-2000:]}")
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    manifest = json.loads((args.out / "pred" / "manifest.json").read_text(encoding="utf-8"))
    written = sum(s["documents"] for s in manifest["shards"])
    print(json.dumps({"documents": args.docs, "written": written, "tokens": tokens, "wall_s": round(wall, 1),
                      "docs_per_s": round(args.docs / wall, 1), "peak_rss_mib": round(peak_mib, 1),
                      "command": " ".join(command[1:])}, indent=2))


if __name__ == "__main__":
    main()
