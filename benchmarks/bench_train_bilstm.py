"""train_bilstm: seconds per training epoch of the BiLSTM-CNN-CRF on the essays (paragraph level).

Config: ``experiment=aae2_paragraph_bilstm_crf`` (Eger et al.'s CoNLL data, 1,587 training
paragraphs, batch 32, Adam 1e-3, gradient clipping 5), composed with Hydra; data and model are
built by ``build_datamodule``/``build_model`` as ``argmine train`` does.

ours: the configured Lightning ``Trainer`` for one epoch (no validation, checkpoints, loggers or
progress bar), with a callback that sums the time between ``on_train_batch_start`` and
``on_train_batch_end`` (forward, loss, backward, clipping, optimizer step, per-step ``self.log``)
and the epoch's wall time; ``inside_share`` = that sum / epoch time. The rest is data
loading/collation and Lightning's loop.

baseline: a bare PyTorch loop (zero_grad, loss, backward, clip, Adam step) over the same model
weights and the same data loader. ratio = ours ÷ plain throughput (tokens/s).
"""

from __future__ import annotations

import argparse

from benchmarks.common import Result, RunResult, alternate, summarize
from benchmarks.training import build, compose_config, lightning_epoch, plain_epoch, snapshot

GOAL = "<= 5 s per epoch, >= 80% of wall time inside forward/backward/step"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit-docs", type=int, default=None, help="only the first N essays per split")
    parser.add_argument("--max-steps", type=int, default=-1, help="stop the epoch after N steps (-1: full)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--experiment", default="aae2_paragraph_bilstm_crf")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides, e.g. data.batch_size=16")


def run(args: argparse.Namespace) -> Result:
    overrides = list(args.overrides)
    if args.limit_docs:
        overrides.append(f"data.limit_documents={args.limit_docs}")
    cfg = compose_config(args.experiment, overrides)
    datamodule, model = build(cfg)
    init = snapshot(model)
    lr = float(cfg.model.optimizer.lr)
    clip = cfg.trainer.get("gradient_clip_val")

    def ours() -> RunResult:
        out = lightning_epoch(cfg, datamodule, model, init, "mask", args.max_steps)
        return {**out, "throughput": out["tokens"] / out["seconds"]}

    def baseline() -> RunResult:
        out = plain_epoch(datamodule, model, init, "mask", args.max_steps, lr, clip)
        return {**out, "throughput": out["tokens"] / out["seconds"]}

    a, b = alternate(ours, baseline, args.repeat)
    n_units = len(datamodule.records["train"])
    return Result(
        "train_bilstm",
        summarize(a, "Lightning Trainer + ArgumentDataModule (configured)", "tokens/s"),
        summarize(b, "plain PyTorch loop, same model and batches", "tokens/s"),
        goal=GOAL,
        notes=[f"{n_units} training units, batch {cfg.data.batch_size}; seconds = training epoch wall time "
               "(no validation); tokens = real words (mask sum)",
               f"deterministic={cfg.deterministic} (torch.use_deterministic_algorithms, set by Lightning, "
               "stays on for the baseline too)"],
        extra={"experiment": args.experiment, "overrides": overrides, "units": n_units},
    )
