"""Lightning callbacks: the W&B report and failure injection for resume tests."""

from __future__ import annotations

import io
import os
from collections import Counter
from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.loggers import WandbLogger

from argmine.documents import Document, Span
from argmine.render import render_html


def span_confusion(predicted: list[Document], gold: list[Document]) -> tuple[list[str], list[list[int]]]:
    """Component confusion counts: each gold span against the label of the predicted span that
    overlaps it most (``none`` if nothing overlaps); predicted spans overlapping no gold span
    count in the ``none`` row. Returns (labels incl. ``none``, matrix[gold][pred])."""
    counts: Counter[tuple[str, str]] = Counter()
    by_id = {d.id: d for d in predicted}
    for g in gold:
        preds = by_id[g.id].spans if g.id in by_id else []
        for span in g.spans:
            best = max(preds, key=lambda p: _overlap(p, span), default=None)
            counts[(span.label, best.label if best is not None and _overlap(best, span) > 0 else "none")] += 1
        for p in preds:
            if not any(_overlap(p, s) > 0 for s in g.spans):
                counts[("none", p.label)] += 1
    labels = sorted(({a for a, _ in counts} | {b for _, b in counts}) - {"none"}) + ["none"]
    matrix = [[counts[(g_, p_)] for p_ in labels] for g_ in labels]
    return labels, matrix


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def confusion_png(labels: list[str], matrix: list[list[int]]) -> bytes:
    # deferred: only the W&B report draws a confusion image
    import matplotlib

    matplotlib.use("Agg")
    # after use("Agg"), so that pyplot starts with the non-interactive backend
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.2 * len(labels) + 2, 1.0 * len(labels) + 1.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


class WandbReport(pl.Callback):
    """After testing, log to W&B: a per-label F1 table, a component confusion-matrix image and
    the first ``max_documents`` test predictions rendered as HTML. Does nothing without a
    ``WandbLogger``."""

    def __init__(self, max_documents: int = 5) -> None:
        self.max_documents = max_documents

    def on_test_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        loggers = [lg for lg in trainer.loggers if isinstance(lg, WandbLogger)]
        if not loggers or trainer.global_rank != 0:
            return
        # deferred: only runs that log to W&B import wandb (and PIL for its image)
        import wandb
        from PIL import Image

        run = loggers[0].experiment
        metrics = {k: float(v) for k, v in trainer.callback_metrics.items()}
        rows = []
        for key, value in sorted(metrics.items()):
            if key.startswith("test/f1_exact/"):
                label = key.removeprefix("test/f1_exact/")
                rows.append([label, value, metrics.get(f"test/f1_50/{label}", float("nan"))])
        run.log({"test/per_label_f1": wandb.Table(columns=["label", "f1_exact", "f1_50"], data=rows)})
        predicted = getattr(pl_module, "predictions", {}).get("test", [])
        gold = trainer.datamodule.documents.get("test", []) if trainer.datamodule else []
        if predicted and gold:
            labels, matrix = span_confusion(predicted, gold)
            image = Image.open(io.BytesIO(confusion_png(labels, matrix)))
            run.log({"test/confusion_matrix": wandb.Image(image, caption="gold (rows) vs predicted (columns)")})
            sample = predicted[: self.max_documents]
            run.log({"test/predictions": wandb.Html(render_html(sample, title="test predictions"))})


class CrashAfterSteps(pl.Callback):
    """Kill the process hard after N optimizer steps (``ARGMINE_CRASH_AFTER_STEPS``), or raise
    ``KeyboardInterrupt`` there as Ctrl-C would (``ARGMINE_INTERRUPT_AFTER_STEPS``): used by the
    resume tests to simulate an interrupted run. Not part of any default config."""

    def __init__(self, steps: int | None = None, interrupt: bool | None = None) -> None:
        crash, stop = os.environ.get("ARGMINE_CRASH_AFTER_STEPS"), os.environ.get("ARGMINE_INTERRUPT_AFTER_STEPS")
        env = crash or stop
        self.steps = steps if steps is not None else (int(env) if env else None)
        #: raise KeyboardInterrupt (as Ctrl-C does) instead of dying (``ARGMINE_INTERRUPT_AFTER_STEPS``)
        self.interrupt = interrupt if interrupt is not None else bool(stop and not crash)

    def on_train_batch_end(self, trainer: pl.Trainer, *args: Any) -> None:
        if self.steps is not None and trainer.global_step >= self.steps:
            if self.interrupt:
                raise KeyboardInterrupt
            os._exit(137)
