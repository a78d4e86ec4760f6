"""Cross-validation: ``cv.folds=K`` k-fold over the training split, or a corpus's fixed folds.

Config (``configs/cv/*.yaml``, top-level key ``cv``):

- ``scheme``: ``kfold`` (K folds over the official training documents, grouped by duplicate
  group so duplicates never straddle folds, deterministic for ``cv.seed``) or ``corpus`` (the
  folds stored in ``corpus.metadata["folds"]``, e.g. the 50 folds of the microtexts' 10x5 CV).
- ``folds``: K (for ``corpus``: the number of stored folds, checked).
- ``fold``: ``null`` runs every fold one after the other in this process; ``i`` runs only fold
  ``i`` (so ``argmine train -m cv.fold=range(0,5)`` spreads folds over a launcher).
- ``limit_folds``: run only the first N folds (smoke tests).

Each fold trains on the other folds and validates on the held-out fold. If the corpus has an
official test split, every fold is tested on it; if not (microtexts), the held-out fold is both
the validation and the test set, so to keep the test fold out of every decision the fold runs
a fixed number of epochs: early stopping is removed and the *last* checkpoint is evaluated.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict

from argmine.corpora import Corpus, load_corpus
from argmine.data.datamodule import group_of
from argmine.documents import Document
from argmine.errors import ConfigError
from argmine.training.multirun import summarize_stats
from argmine.training.train import write_metrics

log = logging.getLogger(__name__)

Fold = dict[str, list[str]]


def fold_splits(corpus_docs: Sequence[Document], k: int, seed: int = 0) -> list[Fold]:
    """K folds ``{train_ids, test_ids}`` over ``corpus_docs``, grouped by duplicate group.

    Groups are shuffled with ``random.Random(seed)`` and each goes to the fold with the fewest
    documents so far (lowest index on ties): every document is held out exactly once, fold sizes
    differ by at most the largest group, and document order inside a fold follows the input.
    """
    if not isinstance(k, int) or k < 2:
        raise ConfigError(f"cv.folds must be an integer >= 2, got {k!r}")
    groups: dict[str, list[str]] = {}
    for doc in corpus_docs:
        groups.setdefault(group_of(doc), []).append(doc.id)
    if len(groups) < k:
        raise ConfigError(f"cv.folds={k} but the training split has only {len(groups)} document group(s)")
    order = sorted(groups)
    random.Random(seed).shuffle(order)
    assigned: dict[str, int] = {}
    sizes = [0] * k
    for name in order:
        fold = min(range(k), key=lambda i: (sizes[i], i))
        sizes[fold] += len(groups[name])
        for doc_id in groups[name]:
            assigned[doc_id] = fold
    ids = [d.id for d in corpus_docs]
    return [{"train_ids": [i for i in ids if assigned[i] != f], "test_ids": [i for i in ids if assigned[i] == f]}
            for f in range(k)]


def corpus_folds(corpus: Corpus) -> list[Fold]:
    """The folds stored in ``corpus.metadata["folds"]`` (test folds; train = every other doc)."""
    stored = corpus.metadata.get("folds")
    if not stored:
        raise ConfigError(f"cv.scheme=corpus: corpus {corpus.name!r} has no stored folds; use cv.scheme=kfold")
    ids = [d.id for d in corpus.documents]
    return [{"train_ids": [i for i in ids if i not in set(test)], "test_ids": list(test)} for test in stored]


def cv_splits(cfg: DictConfig) -> tuple[list[Fold], bool]:
    """The folds of ``cfg.cv`` for ``cfg.data``, and whether the corpus has an official test split."""
    cv, data = cfg.cv, cfg.data
    if data.get("corpora") is not None:
        raise ConfigError("cross-validation over multi-corpus data (data=multi) is not supported: each corpus keeps "
                          "its own splits; cross-validate one corpus (data=microtexts cv=microtexts_10x5)")
    reader = OmegaConf.to_container(data.reader, resolve=True) if data.get("reader") else {}
    assert isinstance(reader, dict)
    corpus = load_corpus(data.corpus, data.get("root"), **reader)
    has_test = any(d.split == "test" for d in corpus.documents)
    scheme = cv.get("scheme", "kfold")
    if scheme == "corpus":
        folds = corpus_folds(corpus)
        if cv.get("folds") not in (None, len(folds)):
            raise ConfigError(f"cv.folds={cv.folds} but corpus {corpus.name!r} stores {len(folds)} folds")
    elif scheme == "kfold":
        train_docs = [d for d in corpus.documents if (d.split or "train") == "train"]
        folds = fold_splits(train_docs, int(cv.folds), int(cv.get("seed", 0)))
    else:
        raise ConfigError(f"cv.scheme must be 'kfold' or 'corpus', got {scheme!r}")
    return folds, has_test


def fold_config(cfg: DictConfig, fold: Fold | None = None, has_test: bool = True,
                output_dir: str | None = None) -> DictConfig:
    """``cfg`` for fold ``cfg.cv.fold``: ``data.fold`` set, and without a test split a fixed
    epoch budget (no early stopping, last checkpoint). Returns ``cfg`` if ``data.fold`` is set."""
    if cfg.data.get("fold"):
        return cfg
    if fold is None:
        index = int(cfg.cv.fold)
        folds, has_test = cv_splits(cfg)
        if not 0 <= index < len(folds):
            raise ConfigError(f"cv.fold={index} is out of range: there are {len(folds)} folds")
        fold = folds[index]
    out = OmegaConf.create(OmegaConf.to_container(cfg, resolve=False))
    with open_dict(out):
        if output_dir is not None:
            out.paths.output_dir = output_dir
        out.data.fold = fold
        if not has_test:
            out.eval_checkpoint = "last"
            if out.get("callbacks") and "early_stopping" in out.callbacks:
                del out.callbacks["early_stopping"]
    return out


def run_cross_validation(cfg: DictConfig, train_fn: Callable[[DictConfig], dict[str, float]]) -> dict[str, float]:
    """Run every fold (``<run>/fold_<i>/``), then write ``<run>/cv_summary.{json,md}`` and
    ``<run>/metrics.json`` (the per-metric means over folds); return the means."""
    run_dir = Path(cfg.paths.output_dir)
    folds, has_test = cv_splits(cfg)
    limit = cfg.cv.get("limit_folds")
    chosen = list(range(len(folds)))[: int(limit) if limit else None]
    log.info("cross-validation: %d of %d fold(s)%s", len(chosen), len(folds),
             "" if has_test else " (no test split: held-out fold = val = test, last checkpoint)")
    per_fold: list[dict[str, Any]] = []
    for i in chosen:
        fold_dir = run_dir / f"fold_{i}"
        fold_dir.mkdir(parents=True, exist_ok=True)
        fold_cfg = fold_config(cfg, folds[i], has_test, output_dir=str(fold_dir))
        with open_dict(fold_cfg):
            fold_cfg.cv.fold = i
        start = time.perf_counter()
        metrics = train_fn(fold_cfg)
        per_fold.append({"fold": i, "n_train": len(folds[i]["train_ids"]), "n_heldout": len(folds[i]["test_ids"]),
                         "seconds": round(time.perf_counter() - start, 1), "metrics": metrics})
    values = {key: [f["metrics"][key] for f in per_fold if _number(f["metrics"].get(key))]
              for key in sorted({k for f in per_fold for k in f["metrics"]})}
    stats = {key: summarize_stats(v) for key, v in values.items() if v}
    summary = {"run_dir": str(run_dir), "scheme": cfg.cv.get("scheme", "kfold"), "n_folds": len(folds),
               "folds_run": chosen, "official_test": has_test, "metrics": stats, "folds": per_fold}
    (run_dir / "cv_summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (run_dir / "cv_summary.md").write_text(cv_markdown(summary), encoding="utf-8")
    means = {k: s["mean"] for k, s in stats.items()}
    write_metrics(run_dir / "metrics.json", means)
    return means


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and value == value


def cv_markdown(summary: dict[str, Any]) -> str:
    lines = [f"# Cross-validation summary\n\n`{summary['run_dir']}`: {len(summary['folds_run'])} of "
             f"{summary['n_folds']} fold(s), scheme `{summary['scheme']}`, "
             + ("tested on the official test split" if summary["official_test"]
                else "held-out fold = validation = test (last checkpoint)") + ".\n",
             "| metric | mean ± std | min | max | n |", "|---|---|---|---|---|"]
    for key, s in summary["metrics"].items():
        if key.startswith(("test/", "val/")) and key.count("/") == 1:
            lines.append(f"| {key} | {s['mean']:.4f} ± {s['std']:.4f} | {s['min']:.4f} | {s['max']:.4f} | {s['n']} |")
    keys = sorted(k for k in summary["metrics"] if k.startswith("test/") and k.count("/") == 1)
    lines += ["", "## Folds\n", "| fold | train docs | held-out docs | s | " + " | ".join(keys) + " |",
              "|---|---|---|---|" + "---|" * len(keys)]
    for f in summary["folds"]:
        vals = [f"{f['metrics'][k]:.4f}" if _number(f["metrics"].get(k)) else "" for k in keys]
        lines.append(f"| {f['fold']} | {f['n_train']} | {f['n_heldout']} | {f['seconds']} | " + " | ".join(vals) + " |")
    return "\n".join(lines) + "\n"
