"""Evaluation of a tagger: collect window outputs, gather them under DDP, decode through the
task and score one document at a time.

A stage's windows are collected per unit record while Lightning runs the eval loop
(:class:`WindowCollector`); at the stage's end every rank gathers all windows and scores the
documents with ``index % world_size == rank``, so each is scored once with all its units.
Units only partly evaluated (``limit_*_batches``, ``fast_dev_run``) are left out with a warning.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import torch
from lightning.pytorch.utilities import rank_zero_warn

from argmine.documents import Document, Relation, Span
from argmine.metrics import ComponentMetrics, update_document
from argmine.schema import to_native
from argmine.tasks import TaggingTask, window_output

Collected = dict[int, list[tuple[Any, ...]]]


class WindowCollector:
    """The window outputs of each evaluation stage, by unit record index."""

    def __init__(self) -> None:
        self._stages: dict[str, Collected] = defaultdict(dict)

    def add(self, stage: str, batch: dict[str, Any], emissions: torch.Tensor, states: torch.Tensor | None) -> None:
        lengths = batch["mask"].sum(dim=1).tolist()
        store = self._stages[stage]
        for b, (ri, (first, last)) in enumerate(zip(batch["unit_index"], batch["word_range"], strict=True)):
            store.setdefault(ri, []).append(window_output(first, last, emissions, states, b, lengths[b]))

    def finish(self, stage: str, records: Sequence[Any], trainer: Any) -> tuple[Collected, Callable[[int], bool]]:
        """The stage's complete units (all ranks' windows) and which documents this rank scores."""
        collected, mine = gather(self._stages.pop(stage, {}), trainer)
        return complete_units(collected, records, stage), mine


def gather(collected: Collected, trainer: Any) -> tuple[Collected, Callable[[int], bool]]:
    """Under DDP every rank sees only some windows: gather all of them, and let rank ``r``
    score the documents with ``index % world_size == r``. Single process: everything, unchanged."""
    world = trainer.world_size if trainer is not None else 1
    if world <= 1 or not torch.distributed.is_initialized():
        return collected, lambda _doc: True
    parts: list[Any] = [None] * world
    torch.distributed.all_gather_object(parts, collected)
    merged: Collected = {}
    for part in parts:
        for ri, windows in part.items():
            merged.setdefault(ri, []).extend(windows)
    for windows in merged.values():
        windows.sort(key=lambda w: (w[0], w[1]))
    rank = trainer.global_rank
    return merged, lambda doc_index: doc_index % world == rank


def complete_units(collected: Collected, records: Sequence[Any], stage: str) -> Collected:
    """The units whose windows cover all their tokens; the others are left out with a warning."""
    complete = {}
    for ri, windows in collected.items():
        covered: set[int] = set()
        for window in windows:
            covered.update(range(window[0], window[1]))
        if len(covered) == records[ri].unit.n_tokens:
            complete[ri] = windows
    if len(complete) < len(collected):
        rank_zero_warn(
            f"{stage}: {len(collected) - len(complete)} unit(s) were evaluated only in part "
            "(limit_*_batches / fast_dev_run?) and are left out of the scores"
        )
    return complete


class DocumentScorer:
    """Scores decoded documents against gold: on the corpus's own types when the data maps them
    (``native_types``, as the papers do) and on the schema's labels as ``c_*_{schema}_*``."""

    def __init__(self, task: TaggingTask, native_types: dict[str, Any] | None) -> None:
        self.task = task
        self.native_types = native_types
        self.to_native = {k: (n, a) for k, (n, a) in native_types["labels"].items()} if native_types else None

    def scored_labels(self) -> list[str]:
        labels = self.task.span_labels
        if self.to_native is None:
            return labels
        return list(dict.fromkeys(self.to_native.get(lab, (lab,))[0] for lab in labels))

    def score(self, collected: Collected, mine: Callable[[int], bool], records: Sequence[Any],
              docs: Sequence[Document], net: Any, metric: ComponentMetrics,
              label_metric: ComponentMetrics | None,
              corpus_metrics: Mapping[str, ComponentMetrics] | None = None) -> list[Document]:
        """Decode this rank's documents, update the metrics per document, return the decoded ones.
        With ``corpus_metrics`` (multi-corpus data) each document also updates its corpus's
        metric (``records[i].corpus``)."""
        by_doc: dict[int, list[int]] = defaultdict(list)
        for ri in collected:
            by_doc[records[ri].doc_index].append(ri)
        doc_ids = sorted(d for d in by_doc if mine(d))
        unit_ids = sorted(ri for d in doc_ids for ri in by_doc[d])
        decoded = dict(zip(unit_ids, self.task.decode_units(
            [(records[i].unit, collected[i]) for i in unit_ids], net), strict=True))
        structure = self.task.target == "structure"
        tag_id = self._gold_tag_id(net)
        predictions = []
        for doc_index in doc_ids:
            ris = sorted(by_doc[doc_index], key=lambda i: records[i].unit.start)
            units = [decoded[ri] for ri in ris]
            pred_spans: list[Span] = [s for u in units for s in u.spans]
            pred_relations: list[Relation] = [r for u in units for r in u.relations]
            gold_spans = [s for ri in ris for s in records[ri].unit.spans]
            tokens = [records[ri].unit.tokens for ri in ris]
            scored_pred, scored_gold = pred_spans, gold_spans
            if self.to_native is not None and label_metric is not None:
                update_document(label_metric, tokens, pred_spans, gold_spans)
                scored_pred, scored_gold = to_native(pred_spans, self.to_native), to_native(gold_spans, self.to_native)
            scored = (
                tokens, scored_pred, scored_gold,
                pred_relations if structure else None,
                gold_links(docs[doc_index], gold_spans) if structure else None,
                [t for u in units for t in u.tag_ids],
                [tag_id(t) for ri in ris for t in records[ri].tags],
            )
            update_document(metric, *scored)
            corpus = records[ris[0]].corpus
            if corpus_metrics is not None and corpus in corpus_metrics:
                update_document(corpus_metrics[corpus], *scored)
            predictions.append(self.task.decode(docs[doc_index], units))
        return predictions

    def _gold_tag_id(self, net: Any) -> Callable[[str], int]:
        """Id of a gold (data) tag among the tags the net predicts."""
        vocab = self.task.tag_vocab
        assert vocab is not None
        tag_map = getattr(net, "tag_map", None)
        ids = tag_map.tolist() if tag_map is not None else None
        return lambda tag: vocab.tag_to_id[tag] if ids is None else ids[vocab.tag_to_id[tag]]


def schema_named(metric: ComponentMetrics, schema: str) -> dict[str, Any]:
    """A components-only metric's results, then reset, under the schema's name:
    ``c_f1_exact`` -> ``c_f1_unified_exact``, ``f1_exact/claim`` -> ``f1_unified_exact/claim``."""
    out = {}
    for key, value in metric.compute().items():
        head, _, label = key.partition("/")
        stem, _, variant = head.rpartition("_")
        out[f"{stem}_{schema}_{variant}" + (f"/{label}" if label else "")] = value
    metric.reset()
    return out


def corpus_results(metrics: Mapping[str, ComponentMetrics], corpora: Iterable[str]) -> dict[str, Any]:
    """Each corpus's aggregate scores as ``{corpus}/c_f1_exact``, ``{corpus}/token_macro_f1``...
    (per-label scores left out), then reset, and their unweighted mean over ``corpora`` (those
    with documents in the stage) as ``macro/c_f1_exact``..."""
    out: dict[str, Any] = {}
    values: dict[str, list[torch.Tensor]] = defaultdict(list)
    for corpus in corpora:
        for key, value in metrics[corpus].compute().items():
            if "/" not in key:
                out[f"{corpus}/{key}"] = value
                values[key].append(torch.as_tensor(value, dtype=torch.float32))
        metrics[corpus].reset()
    out.update({f"macro/{key}": torch.stack(vs).mean() for key, vs in values.items()})
    return out


def gold_links(doc: Document, spans: list[Span]) -> list[Relation]:
    """The document's relations between ``spans``, minus the claim -> major claim relations a
    reader derived from stance (``attributes["derived"]``): both R-F1 protocols add their own."""
    ids = {s.id for s in spans}
    return [r for r in doc.relations if r.source in ids and r.target in ids and "derived" not in r.attributes]
