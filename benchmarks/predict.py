"""Prediction throughput: argmine's Predictor vs Hugging Face ``pipeline("token-classification")``.

``python benchmarks/predict.py [--model DIR] [--repeat 3] [--copies 4] [--batch-size 32]``

Both run the SAME weights: the exported MiniLM ``TransformerTagger`` (encoder + linear layer) is
loaded into argmine's Predictor, and its encoder/classifier weights are copied into a
``BertForTokenClassification`` for the pipeline (``aggregation_strategy="simple"``). Same texts
(the bundled sample corpus, ``--copies`` times; the essays when ``ARGMINE_SHARED_CORPORA``
holds them and ``--essays`` is given), same batch size, alternating runs in one process, best of
``--repeat``. Tokens are word tokens (argmine's tokenizer), counted once for both. Peak memory
is the largest resident-set growth seen while each side runs. Spans of both are scored
against the sample corpus' gold spans (exact character match, micro F1).

Without ``--model`` a MiniLM tagger is trained for one short epoch on the sample corpus first
(``argmine train experiment=quickstart model=transformer trainer.max_epochs=1``).
Writes ``benchmarks/results/predict.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "disabled")

REPO = Path(__file__).resolve().parents[1]


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRSS:
    """Samples the resident set size every 5 ms while active; ``peak`` is the growth seen."""

    def __enter__(self) -> PeakRSS:
        self.start = rss_bytes()
        self.peak = 0
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_bytes() - self.start)
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, rss_bytes() - self.start)


def train_model() -> Path:
    root = Path(tempfile.mkdtemp(prefix="argmine-bench-"))
    proc = subprocess.run(
        [sys.executable, "-m", "argmine.cli", "train", "experiment=quickstart", "model=transformer",
         "trainer.max_epochs=1", "logger=csv", "trainer.enable_progress_bar=false", f"paths.root_dir={root}"],
        capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        sys.exit(f"training the benchmark model failed:\n{proc.stderr[-3000:]}")
    return Path(proc.stdout.strip().splitlines()[-1]) / "model"


def hf_model(model_dir: Path) -> Any:
    """A ``BertForTokenClassification`` carrying the exported tagger's encoder and classifier."""
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModelForTokenClassification

    state = json.loads((model_dir / "argmine.json").read_text(encoding="utf-8"))
    if not state["net"]["class"].endswith("TransformerTagger") or state["net"]["kwargs"].get("head") != "softmax":
        sys.exit("the benchmark needs a TransformerTagger with a softmax head (the pipeline has no CRF)")
    tags = state["tag_vocab"]["tags"]
    config = AutoConfig.from_pretrained(str(model_dir / "featurizer"), num_labels=len(tags),
                                        id2label=dict(enumerate(tags)), label2id={t: i for i, t in enumerate(tags)})
    model = AutoModelForTokenClassification.from_config(config)
    weights = load_file(str(model_dir / "weights.safetensors"))
    prefix = model.base_model_prefix
    mapped = {}
    for key, value in weights.items():
        if key.startswith("encoder."):
            mapped[f"{prefix}.{key.removeprefix('encoder.')}"] = value
        elif key.startswith("classifier."):
            mapped[key] = value
    missing, unexpected = model.load_state_dict(mapped, strict=False)
    missing = [k for k in missing if "pooler" not in k and "position_ids" not in k]
    if missing or unexpected:
        sys.exit(f"weights do not map onto {type(model).__name__}: missing {missing[:5]}, unexpected {unexpected[:5]}")
    return model.eval()


def span_f1(pred: list[set], gold: list[set]) -> float:
    tp = sum(len(p & g) for p, g in zip(pred, gold, strict=True))
    n_pred, n_gold = sum(map(len, pred)), sum(map(len, gold))
    return 0.0 if tp == 0 else 2 * tp / (n_pred + n_gold)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=2, help="how many times the texts are repeated")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "predict.json")
    args = parser.parse_args()

    import torch
    from transformers import AutoTokenizer, pipeline

    from argmine.documents import read_jsonl
    from argmine.predict.predictor import Predictor
    from argmine.text.tokenize import word_spans

    if args.threads:
        torch.set_num_threads(args.threads)
    model_dir = args.model or train_model()
    gold_docs = read_jsonl(REPO / "src" / "argmine" / "resources" / "sample" / "sample.jsonl")
    texts = [d.text for d in gold_docs] * args.copies
    n_tokens = sum(len(word_spans(t)) for t in texts)

    ours = Predictor.load(model_dir, batch_size=args.batch_size, schema="native")
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir / "featurizer"))
    pipe = pipeline("token-classification", model=hf_model(model_dir), tokenizer=tokenizer,
                    aggregation_strategy="simple", device="cpu", stride=64)

    def run_ours() -> list[set]:
        return [{(s.start, s.end, s.label) for s in d.spans} for d in ours.predict_many(texts)]

    def run_pipe() -> list[set]:
        out = pipe(texts, batch_size=args.batch_size)
        return [{(e["start"], e["end"], e["entity_group"]) for e in ents} for ents in out]

    best: dict[str, float] = {"ours": float("inf"), "baseline": float("inf")}
    peak: dict[str, int] = {"ours": 0, "baseline": 0}
    preds: dict[str, list[set]] = {}
    run_ours(), run_pipe()  # warm-up
    for _ in range(args.repeat):
        for name, fn in (("ours", run_ours), ("baseline", run_pipe)):
            with PeakRSS() as mem:
                t0 = time.perf_counter()
                preds[name] = fn()
                elapsed = time.perf_counter() - t0
            best[name] = min(best[name], elapsed)
            peak[name] = max(peak[name], mem.peak)

    gold = [{(s.start, s.end, s.label) for s in d.spans} for d in gold_docs] * args.copies

    def stats(name: str) -> dict[str, Any]:
        return {"seconds": round(best[name], 4), "docs_per_s": round(len(texts) / best[name], 2),
                "tokens_per_s": round(n_tokens / best[name], 1), "peak_rss_growth_mb": round(peak[name] / 2**20, 1),
                "spans": sum(map(len, preds[name])), "span_f1_exact": round(span_f1(preds[name], gold), 4)}

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO).stdout.strip()
    result = {
        "name": "predict_throughput_minilm",
        "ours": stats("ours"),
        "baseline": {**stats("baseline"), "what": 'transformers pipeline("token-classification", aggregation_strategy="simple")'},
        "ratio": round(best["baseline"] / best["ours"], 2),
        "texts": len(texts), "tokens": n_tokens, "batch_size": args.batch_size,
        "command": " ".join(["python", "benchmarks/predict.py", *sys.argv[1:]]),
        "commit": commit,
        "machine": f"{platform.machine()} {os.cpu_count()} cpus, torch {torch.__version__} threads {torch.get_num_threads()}",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".part")
    tmp.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    tmp.replace(args.out)
    for name in ("ours", "baseline"):
        s = result[name]
        print(f"{name:>8}: {s['docs_per_s']:8.2f} docs/s {s['tokens_per_s']:10.1f} tokens/s "
              f"peak +{s['peak_rss_growth_mb']} MB, {s['spans']} spans, exact span F1 {s['span_f1_exact']}")
    print(f"ratio ours/pipeline (tokens/s): {result['ratio']:.2f}x")


if __name__ == "__main__":
    main()
