"""Prediction throughput: argmine's Predictor vs Hugging Face ``pipeline("token-classification")``.

``python benchmarks/predict.py [--model DIR] [--repeat 3] [--copies 2] [--batch-size 32]``

Both run the SAME weights: the exported MiniLM ``TransformerTagger`` (encoder + linear layer) is
loaded into argmine's Predictor, and its encoder/classifier weights are copied into a
``BertForTokenClassification`` for the pipeline (``aggregation_strategy="simple"``). Same texts
(the bundled sample corpus, ``--copies`` times), same batch size (and the pipeline once more
at its default batch size), alternating runs in one process, best of
``--repeat``. Tokens are word tokens (argmine's tokenizer), counted once for both. Peak memory
is the peak resident-set growth of each run (``benchmarks.common``). Spans of both are scored
against the sample corpus' gold spans (exact character match, micro F1).
A roofline line (``benchmarks.roofline``) puts both throughputs against this CPU's measured fp32
matrix-multiply peak: the dense-layer GFLOP/s each side reaches on the sub-word tokens its
encoder really processed, and what the 2x goal would need. ``--precision bf16`` is timed apart
(same alternation against the fp32 pipeline) with its span agreement with our fp32 spans and its
share of the measured bf16 matrix-multiply peak.

Without ``--model`` a MiniLM tagger is trained for 6 epochs (about a minute) on the sample corpus first
(``argmine train experiment=quickstart model=transformer trainer.max_epochs=6``; test C-F1 about 0.75).
Writes ``benchmarks/results/predict.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "disabled")

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # ``python benchmarks/predict.py``: make ``benchmarks`` importable
    sys.path.insert(0, str(REPO))

from benchmarks.common import Result, alternate, summarize, timed, write_result  # noqa: E402
from benchmarks.roofline import TokenCounter, matmul_peak_gflops, roofline  # noqa: E402


def train_model() -> Path:
    root = Path(tempfile.mkdtemp(prefix="argmine-bench-"))
    proc = subprocess.run(
        [sys.executable, "-m", "argmine.cli", "train", "experiment=quickstart", "model=transformer",
         "trainer.max_epochs=6", "logger=csv", "trainer.enable_progress_bar=false", f"paths.root_dir={root}"],
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
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--out-dir", type=Path, default=REPO / "benchmarks" / "results", help="where predict.json goes")
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

    def run_pipe(batch_size: int | None = None) -> list[set]:
        out = pipe(texts) if batch_size is None else pipe(texts, batch_size=batch_size)
        return [{(e["start"], e["end"], e["entity_group"]) for e in ents} for ents in out]

    gold = [{(s.start, s.end, s.label) for s in d.spans} for d in gold_docs] * args.copies

    def measured(fn: Any) -> Any:
        def run() -> dict[str, Any]:
            start = time.perf_counter()
            spans = fn()
            seconds = time.perf_counter() - start
            return {"seconds": seconds, "throughput": n_tokens / seconds, "docs_per_s": len(texts) / seconds,
                    "spans": sum(map(len, spans)), "span_f1_exact": span_f1(spans, gold)}
        return run

    ours_bf16 = Predictor.load(model_dir, batch_size=args.batch_size, schema="native", precision="bf16")

    def run_ours_bf16() -> list[set]:
        return [{(s.start, s.end, s.label) for s in d.spans} for d in ours_bf16.predict_many(texts)]

    def counted(encoder: Any, fn: Any) -> tuple[Any, TokenCounter, float]:
        counter = TokenCounter()
        detach = counter.attach(encoder)
        try:
            start = time.perf_counter()
            return fn(), counter, time.perf_counter() - start
        finally:
            detach()

    # warm-ups, then one counted run per side: the sub-word tokens each encoder really
    # processes (and, for ours, the encoder's share of the wall time)
    fp32_spans = run_ours()
    _, pipe_count, _ = counted(pipe.model, lambda: run_pipe(args.batch_size))
    _, ours_count, ours_wall = counted(ours.module.net.encoder, run_ours)
    bf16_spans = run_ours_bf16()
    ours_runs, base_runs = alternate(measured(run_ours), measured(lambda: run_pipe(args.batch_size)), args.repeat)
    bf16_runs, _ = alternate(measured(run_ours_bf16), measured(lambda: run_pipe(args.batch_size)), args.repeat)
    bf16 = summarize(bf16_runs, "argmine Predictor, --precision bf16 (autocast)", "word tokens/s")
    bf16["span_agreement_with_fp32"] = span_f1(bf16_spans, fp32_spans)
    default_runs = [timed(measured(run_pipe)) for _ in range(max(1, args.repeat // 2))]
    unit = "word tokens/s"
    base_default = summarize(default_runs, "pipeline, default pipe(texts) (batch 1)", unit)
    encoder_config = ours.module.net.encoder.config
    ffn_shape = (args.batch_size * 128, encoder_config.hidden_size, encoder_config.intermediate_size)
    peak = matmul_peak_gflops(*ffn_shape)
    peak_bf16 = matmul_peak_gflops(*ffn_shape, dtype=torch.bfloat16)
    ours_s = summarize(ours_runs, f"argmine Predictor (batch {args.batch_size}, packing to 512 tokens)", unit)
    base_s = summarize(base_runs, f'pipeline("token-classification", aggregation_strategy="simple"), '
                                  f"batch_size={args.batch_size}", unit)
    for side, count in ((ours_s, ours_count), (base_s, pipe_count)):
        side.update(roofline(encoder_config, count.tokens, side["seconds"], peak))
        side["encoder_padded_positions"] = count.padded
    ours_s["encoder_share_of_wall"] = round(ours_count.seconds / ours_wall, 3)
    bf16.update(roofline(encoder_config, ours_count.tokens, bf16["seconds"], peak_bf16))
    bf16["ratio_to_pipeline_fp32"] = round(bf16["throughput"] / base_s["throughput"], 2)
    needed = 2 * base_s["gflops"] * ours_count.tokens / pipe_count.tokens
    result = Result(
        name="predict",
        ours=ours_s,
        baseline=base_s,
        goal=">= 2x the pipeline's tokens/s on the same MiniLM weights and texts",
        notes=[f"ratio against the pipeline at its default batch size: "
               f"{base_default['throughput'] and round(statistics.median(r['throughput'] for r in ours_runs) / base_default['throughput'], 2)}x",
               "span_f1_exact: exact character-span micro F1 against the sample corpus' gold spans",
               f"roofline: fp32 matmul peak {peak:.1f} GFLOP/s (torch.mm {ffn_shape[0]}x{ffn_shape[1]} @ "
               f"{ffn_shape[1]}x{ffn_shape[2]}, the encoder's feed-forward shape); dense-layer GFLOP/s "
               f"on real encoder tokens: ours {ours_s['gflops']} ({ours_s['share_of_peak']:.0%} of peak), "
               f"pipeline {base_s['gflops']} ({base_s['share_of_peak']:.0%}); 2x the pipeline with ours' "
               f"encoder tokens would need {needed:.1f} GFLOP/s ({needed / peak:.0%} of peak); the encoder's "
               f"forward is {ours_s['encoder_share_of_wall']:.0%} of argmine's wall time (one extra timed run)",
               f"bf16 (--precision bf16, reported apart from the fp32 goal): {bf16['ratio_to_pipeline_fp32']}x "
               f"the fp32 pipeline, span agreement with our fp32 spans {bf16['span_agreement_with_fp32']:.3f}; "
               f"bf16 matmul peak {peak_bf16:.0f} GFLOP/s at the same shape (AMX/AVX-512 BF16 where the CPU "
               f"has them), of which bf16 prediction reaches {bf16['share_of_peak']:.0%}: attention, "
               f"GELU, LayerNorm and casts, not the dense layers, bound it"],
        extra={"texts": len(texts), "tokens": n_tokens, "batch_size": args.batch_size, "model": str(model_dir),
               "baseline_default": base_default, "ours_bf16": bf16, "matmul_peak_gflops": round(peak, 1),
               "matmul_peak_gflops_bf16": round(peak_bf16, 1),
               "gflops_needed_for_2x": round(needed, 1)},
    )
    path = write_result(result, args.out_dir)
    for name, side in (("ours", result.ours), ("ours bf16", bf16), ("pipeline", result.baseline),
                       ("pipeline default", base_default)):
        print(f"{name:>16}: {side['docs_per_s']:8.2f} docs/s {side['throughput']:10.1f} tokens/s "
              f"peak +{side['peak_rss_mib']} MiB, {side['spans']:.0f} spans, exact span F1 {side['span_f1_exact']:.3f}")
    print(f"ratio ours/pipeline (tokens/s): {result.ratio:.2f}x with the same batch size; {result.notes[0]}")
    print(result.notes[2])
    print(result.notes[3])
    print(f"bf16: {bf16['throughput'] / result.baseline['throughput']:.2f}x the fp32 pipeline, "
          f"span agreement with fp32 (exact span F1) {bf16['span_agreement_with_fp32']:.3f}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
