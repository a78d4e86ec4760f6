"""The LightningModule for taggers: a pluggable network, decoding to spans, and span metrics.

The network (``BiLSTMCNNCRF``, ``TransformerTagger``, ...) is passed as a partial and completed
here with the data-derived arguments (tag count, BIO constraints, vocabulary sizes), which come
from the data module and featurizer by code, never from user-typed config.

Evaluation collects word-level emissions of every window, stitches the windows of each unit
(:func:`argmine.encoding.windows.stitch_token_scores`), decodes whole units, turns tags back into
character spans (and relations for ``target=structure``) and updates one metric object per stage.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import random
import warnings
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.pytorch.utilities import rank_zero_warn
from torchmetrics import MeanMetric

from argmine.documents import Document, Relation, Span
from argmine.encoding.stance import derive_counter_arguments
from argmine.encoding.structure import EGER_RELATION_NAMES, decode_structure
from argmine.encoding.tags import TagVocab, tags_to_spans
from argmine.encoding.windows import stitch_token_scores
from argmine.errors import CheckpointError
from argmine.metrics import ComponentMetrics, update_document
from argmine.plain import check_plain, to_plain
from argmine.schema import to_native

ALLOWED_MODULE_PREFIX = "argmine."
_NATIVE_RELATION_NAMES = {v: k for k, v in EGER_RELATION_NAMES.items()}


def class_path(obj: Any) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def import_class(path: str) -> type:
    """Import an argmine class by dotted path; refuses anything outside argmine."""
    if not path.startswith(ALLOWED_MODULE_PREFIX):
        raise CheckpointError(f"refusing to import {path!r}: only argmine classes can be loaded")
    module_name, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise CheckpointError(f"cannot import {path!r}: {exc}") from None


def jsonable(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, (str, int, float, bool))
        or (isinstance(value, (list, tuple)) and all(jsonable(v) for v in value))
        or (
            isinstance(value, dict)
            and all(isinstance(k, str) and jsonable(v) for k, v in value.items())
        )
    )


class TaggerModule(pl.LightningModule):
    """Sequence tagger over argument units.

    Args:
        net: partial constructor of the network; called as
            ``net(num_tags=..., allowed_transitions=..., **featurizer.model_kwargs())``.
        optimizer: partial optimizer (``torch.optim.AdamW``...), called with parameter groups.
        featurizer: the fitted featurizer (from the data module's training words).
        tag_vocab: the data module's tag vocabulary.
        scheduler: optional partial ``(optimizer, total_steps) -> LR scheduler`` stepped per batch.
        target: ``components`` or ``structure`` (compound labels decoded into relations).
        param_groups: optional callable ``(net, lr) -> parameter groups`` (layer-wise decay).
        native_types: the data module's map from the schema's labels back to the corpus's types
            (``ArgumentDataModule.native_types``): C-F1 and R-F1 are then scored on those types,
            as the papers do, and the schema's own labels as ``c_*_{schema}_*``.
    """

    def __init__(
        self,
        net: Callable[..., torch.nn.Module] | torch.nn.Module,
        optimizer: Callable[..., torch.optim.Optimizer] | None,
        featurizer: Any,
        tag_vocab: TagVocab,
        scheduler: Callable[..., Any] | None = None,
        target: str = "components",
        param_groups: Callable[..., Any] | None = None,
        net_kwargs: dict[str, Any] | None = None,
        native_types: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.native_types = to_plain(native_types)
        self.featurizer = featurizer
        self.tag_vocab = tag_vocab
        self.target = target
        self.optimizer_factory = optimizer
        self.scheduler_factory = scheduler
        self.param_groups_factory = param_groups
        if isinstance(net, torch.nn.Module):
            self.net = net
            self.net_kwargs = dict(net_kwargs or {})
        else:
            derived = {
                "num_tags": len(tag_vocab),
                "allowed_transitions": tag_vocab.allowed_transitions(),
                **featurizer.model_kwargs(),
            }
            if "link_tags" in inspect.signature(net).parameters:  # a link head reads the tags
                derived.update(link_tags=list(tag_vocab.tags), link_tag_scheme=tag_vocab.scheme)
            self.net = net(**derived)
            user = dict(getattr(net, "keywords", {}))
            self.net_kwargs = {k: v for k, v in {**user, **derived}.items() if jsonable(v)}
        # the tags the net predicts: the data's, or (link head, tag_distances=false) fewer, with
        # the net's map from data tag ids to them
        self.decode_vocab: TagVocab = getattr(self.net, "decode_vocab", None) or tag_vocab
        tag_map = getattr(self.net, "tag_map", None)
        self._decode_ids = tag_map.tolist() if tag_map is not None else None
        self.span_labels = self._plain_labels()
        scored = self.span_labels
        self.label_metrics = torch.nn.ModuleDict()
        if native_types:
            self._to_native = {k: (n, a) for k, (n, a) in native_types["labels"].items()}
            scored = list(dict.fromkeys(self._to_native.get(lab, (lab,))[0] for lab in self.span_labels))
            self.label_metrics.update({stage: ComponentMetrics(self.span_labels) for stage in ("val", "test")})
        self.metrics = torch.nn.ModuleDict(
            {
                stage: ComponentMetrics(
                    scored,
                    with_relations=target == "structure",
                    tags=list(self.decode_vocab.tags),
                )
                for stage in ("val", "test")
            }
        )
        self.eval_loss = torch.nn.ModuleDict({stage: MeanMetric() for stage in ("val", "test")})
        self._collected: dict[str, dict[int, list[tuple[Any, ...]]]] = defaultdict(
            dict
        )
        self.predictions: dict[str, list[Document]] = {}

    def _plain_labels(self) -> list[str]:
        if self.target != "structure":
            return list(self.tag_vocab.labels)
        return sorted({lab.split(":")[0] for lab in self.tag_vocab.labels})

    # -- training ------------------------------------------------------------------------------
    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        parts = batch.get("micro_batches")
        if parts is None:
            loss = self.net.loss(batch)
        else:  # ``data.micro_batches``: the shares make this the loss of the whole batch
            loss = sum(self.net.loss(part) * part["loss_share"] for part in parts)
        self.log(
            "train/loss",
            loss,
            on_step=True,
            on_epoch=True,
            prog_bar=True,
            batch_size=len(batch["unit_index"]),
        )
        return loss

    def configure_optimizers(self) -> Any:
        if self.optimizer_factory is None:
            raise CheckpointError("this model was loaded for inference only and has no optimizer")
        lr = getattr(self.optimizer_factory, "keywords", {}).get("lr", 1e-3)
        params = (
            self.param_groups_factory(self.net, lr)
            if self.param_groups_factory
            else self.net.parameters()
        )
        optimizer = self.optimizer_factory(params)
        if self.scheduler_factory is None:
            return optimizer
        total = int(self.trainer.estimated_stepping_batches)
        scheduler = self.scheduler_factory(optimizer, total_steps=total)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }

    # -- evaluation ----------------------------------------------------------------------------
    def window_outputs(self, batch: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Emissions of a batch of windows, and the word vectors when the net has a link head."""
        if getattr(self.net, "links", None) is None:
            return self.net.emissions(batch), None
        return self.net.encode(batch)

    def _eval_step(self, batch: dict[str, Any], stage: str) -> None:
        emissions, states = self.window_outputs(batch)
        extra = {} if states is None else {"states": states}
        loss = self.net.loss(batch, emissions=emissions, **extra)
        # a weighted mean synced as sums, so the loss is the same on any number of processes
        self.eval_loss[stage].update(loss.detach(), weight=len(batch["unit_index"]))
        lengths = batch["mask"].sum(dim=1).tolist()
        store = self._collected[stage]
        for b, (ri, (first, last)) in enumerate(
            zip(batch["unit_index"], batch["word_range"], strict=True)
        ):
            store.setdefault(ri, []).append(window_entry(first, last, emissions, states, b, lengths[b]))

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        self._eval_step(batch, "val")

    def test_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        self._eval_step(batch, "test")

    def on_validation_epoch_end(self) -> None:
        self._finish_stage("val")

    def on_test_epoch_end(self) -> None:
        self._finish_stage("test")

    def _finish_stage(self, stage: str) -> None:
        """Decode every unit, then score one DOCUMENT at a time with
        :func:`argmine.metrics.update_document` (spans in a per-document token numbering; for
        ``target=structure`` Eger's per-unit R-F1 and argmine's document-level variant)."""
        datamodule = self.trainer.datamodule
        records = datamodule.records[stage]
        docs = datamodule.documents[stage]
        collected, mine = self._gather(self._collected.pop(stage, {}))
        collected = _complete_units(collected, records, stage)
        by_doc: dict[int, list[int]] = defaultdict(list)
        for ri in collected:
            by_doc[records[ri].doc_index].append(ri)
        unit_ids = sorted(ri for d, ris in by_doc.items() if mine(d) for ri in ris)
        decoded = dict(
            zip(
                unit_ids,
                self.decode_units([(records[i].unit.n_tokens, collected[i]) for i in unit_ids]),
                strict=True,
            )
        )
        metric = self.metrics[stage]
        predictions = []
        for doc_index in sorted(d for d in by_doc if mine(d)):
            ris = sorted(by_doc[doc_index], key=lambda i: records[i].unit.start)
            doc = docs[doc_index]
            pred_spans: list[Span] = []
            pred_relations: list[Relation] = []
            pred_tags: list[int] = []
            gold_tags: list[int] = []
            for ri in ris:
                rec = records[ri]
                tag_ids, confidences = decoded[ri]
                spans, relations = self.unit_structure(
                    rec.unit.tokens, tag_ids, confidences, collected[ri]
                )
                pred_spans.extend(spans)
                pred_relations.extend(relations)
                pred_tags.extend(tag_ids)
                gold_tags.extend(self._decode_tag_id(t) for t in rec.tags)
            structure = self.target == "structure"
            gold_spans = [s for ri in ris for s in records[ri].unit.spans]
            units = [records[ri].unit.tokens for ri in ris]
            scored_pred, scored_gold = pred_spans, gold_spans
            if self.native_types:
                update_document(self.label_metrics[stage], units, pred_spans, gold_spans)
                scored_pred = to_native(pred_spans, self._to_native)
                scored_gold = to_native(gold_spans, self._to_native)
            update_document(
                metric,
                units,
                scored_pred,
                scored_gold,
                pred_relations if structure else None,
                gold_links(doc, gold_spans) if structure else None,
                pred_tags,
                gold_tags,
            )
            new_spans, new_relations = _renumber(pred_spans, pred_relations)
            predicted = doc.replace(spans=new_spans, relations=new_relations)
            if self.target == "structure":
                predicted = derive_counter_arguments(predicted)
            predictions.append(predicted)
        results = metric.compute()
        if self.native_types:
            results.update(schema_named(self.label_metrics[stage], self.native_types["schema"]))
        results["loss"] = self.eval_loss[stage].compute()
        self.eval_loss[stage].reset()
        # values are already synced by the metrics; sync_dist averages identical numbers
        self.log_dict({f"{stage}/{k}": v for k, v in results.items()}, sync_dist=True)
        metric.reset()
        self.predictions[stage] = predictions

    def _gather(
        self, collected: dict[int, list[tuple[Any, ...]]]
    ) -> tuple[dict[int, list[tuple[Any, ...]]], Callable[[int], bool]]:
        """Under DDP every rank sees only some windows: gather all of them, and let rank ``r``
        score the documents with ``index % world_size == r`` (so each is scored exactly once
        with all its units). Single process: everything, unchanged."""
        world = self.trainer.world_size if self._trainer is not None else 1
        if world <= 1 or not torch.distributed.is_initialized():
            return collected, lambda _doc: True
        parts: list[Any] = [None] * world
        torch.distributed.all_gather_object(parts, collected)
        merged: dict[int, list[tuple[Any, ...]]] = {}
        for part in parts:
            for ri, windows in part.items():
                merged.setdefault(ri, []).extend(windows)
        for windows in merged.values():
            windows.sort(key=lambda w: (w[0], w[1]))
        rank = self.trainer.global_rank
        return merged, lambda doc_index: doc_index % world == rank

    # -- decoding (shared with prediction) -----------------------------------------------------------
    @torch.inference_mode()
    def decode_units(
        self, units: list[tuple[int, list[tuple[Any, ...]]]], batch_size: int = 64
    ) -> list[tuple[list[int], list[float]]]:
        """Stitch each unit's window emissions and decode whole units in batches.

        A window is ``(first word, end word, emissions)``, optionally followed by word vectors.
        """
        stitched = [_stitch(n_tokens, windows, 2) for n_tokens, windows in units]
        out: list[tuple[list[int], list[float]]] = []
        for i in range(0, len(stitched), batch_size):
            chunk = stitched[i : i + batch_size]
            longest = max(e.shape[0] for e in chunk)
            em = torch.zeros(len(chunk), longest, chunk[0].shape[1])
            mask = torch.zeros(len(chunk), longest, dtype=torch.bool)
            for j, e in enumerate(chunk):
                em[j, : e.shape[0]] = e
                mask[j, : e.shape[0]] = True
            tags, conf = self.net.decode(em.to(self.device), mask.to(self.device))
            out.extend(zip(tags, conf, strict=True))
        return out

    def _decode_tag_id(self, tag: str) -> int:
        """Id of a gold (data) tag among the tags the net predicts."""
        tag_id = self.tag_vocab.tag_to_id[tag]
        return tag_id if self._decode_ids is None else self._decode_ids[tag_id]

    def tags_to_structure(
        self, tokens: list[tuple[int, int]], tag_ids: list[int], confidences: list[float]
    ) -> tuple[list[Span], list[Relation]]:
        """Decoded tag ids of one unit -> character spans (+ relations for ``structure``)."""
        tags = [self.decode_vocab.id_to_tag[i] for i in tag_ids]
        triples = tags_to_spans(tokens, tags, self.decode_vocab.scheme)
        token_starts = {s: i for i, (s, _) in enumerate(tokens)}
        token_ends = {e: i for i, (_, e) in enumerate(tokens)}
        spans = []
        for start, end, label in triples:
            a, b = token_starts[start], token_ends[end]
            score = float(sum(confidences[a : b + 1]) / (b - a + 1))
            spans.append(Span(start, end, label, id=f"T{start}_{end}", score=score))
        if self.target != "structure":
            return spans, []
        return decode_structure(spans)

    def unit_structure(
        self,
        tokens: list[tuple[int, int]],
        tag_ids: list[int],
        confidences: list[float],
        windows: list[tuple[Any, ...]],
    ) -> tuple[list[Span], list[Relation]]:
        """Spans and relations of one decoded unit; with a link head its links replace those
        decoded from the tags (``windows`` as in :meth:`decode_units`, with word vectors)."""
        spans, relations = self.tags_to_structure(tokens, tag_ids, confidences)
        links = getattr(self.net, "links", None)
        if links is None or self.target != "structure" or not spans:
            return spans, relations
        states = _stitch(len(tokens), windows, 3).to(self.device)
        first = {s: i for i, (s, _) in enumerate(tokens)}
        end = {e: i + 1 for i, (_, e) in enumerate(tokens)}
        bounds = [(first[sp.start], end[sp.end]) for sp in spans]
        out = []
        for i, link in enumerate(links.decode(states, bounds, [sp.label for sp in spans])):
            if link is not None:
                target, name, score = link
                out.append(
                    Relation(
                        spans[i].id, spans[target].id, _NATIVE_RELATION_NAMES.get(name, name),
                        f"R{len(out) + 1}", score=score,
                    )
                )
        return spans, out

    # -- persistence (no pickled objects in checkpoints) ---------------------------------------------
    def logged_metric_names(self) -> set[str]:
        """Every metric name this model logs (``train/loss``, ``val/...``, ``test/...``), read
        from fresh copies of its stage metrics: they follow the labels, target and schema."""
        names = {"train/loss", "train/loss_step", "train/loss_epoch"}
        for stage in ("val", "test"):
            with warnings.catch_warnings():  # computing an empty copy: torchmetrics warns that nothing was updated
                warnings.simplefilter("ignore", UserWarning)
                results = dict(copy.deepcopy(self.metrics[stage]).compute())
                if self.native_types:
                    results.update(schema_named(copy.deepcopy(self.label_metrics[stage]), self.native_types["schema"]))
            names |= {f"{stage}/{key}" for key in [*results, "loss"]}
        return names

    def export_state(self) -> dict[str, Any]:
        """JSON-serialisable description of everything but the weights."""
        return {
            "format": "argmine-tagger/1",
            "net": {"class": class_path(self.net), "kwargs": self.net_kwargs},
            "featurizer": {
                "class": class_path(self.featurizer),
                "state": self.featurizer.state_dict(),
            },
            "tag_vocab": self.tag_vocab.to_dict(),
            "target": self.target,
            "native_types": self.native_types,
        }

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Add the model description and the RNG states; refuse (naming the key) a checkpoint
        that would not load with ``weights_only=True``."""
        checkpoint["argmine"] = to_plain(self.export_state())
        checkpoint["argmine_rng"] = rng_state()
        check_plain(checkpoint, "checkpoint")

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Restore the random number generators, so a run resumed from an epoch-end checkpoint
        continues exactly like an uninterrupted one (dropout masks included)."""
        if "argmine_rng" in checkpoint and self.trainer is not None and self.trainer.state.fn == "fit":
            set_rng_state(checkpoint["argmine_rng"])

    @classmethod
    def from_state(
        cls, state: dict[str, Any], weights: dict[str, torch.Tensor], **kwargs: Any
    ) -> TaggerModule:
        """Rebuild a module from :meth:`export_state` output and a ``net`` state dict."""
        if state.get("format") != "argmine-tagger/1":
            raise CheckpointError(f"unknown model format {state.get('format')!r}")
        featurizer = import_class(state["featurizer"]["class"]).from_state(
            state["featurizer"]["state"]
        )
        tag_vocab = TagVocab.from_dict(state["tag_vocab"])
        net_cls = import_class(state["net"]["class"])
        net_kwargs = dict(state["net"]["kwargs"])
        net_kwargs.update(kwargs.pop("net_overrides", {}))
        net = net_cls(**net_kwargs)
        missing, unexpected = net.load_state_dict(weights, strict=False)
        if missing or unexpected:
            raise CheckpointError(
                f"weights do not fit the model: missing {missing[:5]}, unexpected {unexpected[:5]}"
            )
        return cls(
            net=net,
            optimizer=kwargs.pop("optimizer", None),
            featurizer=featurizer,
            tag_vocab=tag_vocab,
            target=state["target"],
            net_kwargs=net_kwargs,
            native_types=state.get("native_types"),
            **kwargs,
        )


def window_entry(
    first: int, last: int, emissions: torch.Tensor, states: torch.Tensor | None, row: int, n: int
) -> tuple[Any, ...]:
    """What evaluation and prediction keep of one window (row ``row`` of a batch, ``n`` words):
    ``(first word, end word, emissions)``, plus the word vectors for a link head (float, CPU)."""
    entry: tuple[Any, ...] = (first, last, emissions[row, :n].detach().float().cpu())
    if states is not None:
        entry += (states[row, :n].detach().float().cpu(),)
    return entry


def _complete_units(
    collected: dict[int, list[tuple[Any, ...]]], records: Any, stage: str
) -> dict[int, list[tuple[Any, ...]]]:
    """The units whose windows cover all their tokens. With ``limit_*_batches`` or
    ``fast_dev_run`` a long unit may be evaluated only in part; it is left out with a warning."""
    complete = {}
    for ri, windows in collected.items():
        covered = set()
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


def _stitch(n_tokens: int, windows: list[tuple[Any, ...]], field: int) -> torch.Tensor:
    """One unit's per-token rows of ``field`` (2: emissions, 3: word vectors) from its windows."""
    if len(windows) == 1 and windows[0][0] == 0 and windows[0][1] == n_tokens:
        return windows[0][field]
    ranges = [(w[0], w[1]) for w in windows]
    return torch.as_tensor(stitch_token_scores(n_tokens, ranges, [w[field] for w in windows]))


def rng_state() -> dict[str, Any]:
    """Python, numpy and torch RNG states as tensors and plain values (``weights_only``-safe)."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype("int64")), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached": float(cached)},
    }


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype("uint32"), n["pos"], n["has_gauss"], n["cached"]))


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


def gold_links(doc: Document, spans: list[Span]) -> list[Relation]:
    """The document's relations between ``spans``, minus the claim -> major claim relations a
    reader derived from stance (``attributes["derived"]``): both R-F1 protocols add their own."""
    ids = {s.id for s in spans}
    return [
        r
        for r in doc.relations
        if r.source in ids and r.target in ids and "derived" not in r.attributes
    ]


def _renumber(spans: list[Span], relations: list[Relation]) -> tuple[list[Span], list[Relation]]:
    """Give predicted spans/relations of one document unique ids T1.., R1.. in text order."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end))
    new_id = {spans[i].id: f"T{k + 1}" for k, i in enumerate(order)}
    new_spans = [
        Span(
            spans[i].start,
            spans[i].end,
            spans[i].label,
            new_id[spans[i].id],
            dict(spans[i].attributes),
            spans[i].score,
        )
        for i in order
    ]
    new_rels = [
        Relation(
            new_id[r.source], new_id[r.target], r.label, f"R{k + 1}", dict(r.attributes), r.score
        )
        for k, r in enumerate(relations)
        if r.source in new_id and r.target in new_id
    ]
    return new_spans, new_rels
