"""The LightningModule for taggers: a pluggable network, decoding to spans, and span metrics.

The network (``BiLSTMCNNCRF``, ``TransformerTagger``, ...) is passed as a partial and completed
here with the data-derived arguments (tag count, BIO constraints, vocabulary sizes), which come
from the data module and featurizer by code, never from user-typed config.

Evaluation collects word-level emissions of every window, stitches the windows of each unit
(:func:`argmine.encoding.windows.stitch_token_scores`), decodes whole units, turns tags back into
character spans (and relations for ``target=structure``) and updates one metric object per stage.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import lightning.pytorch as pl
import torch
from torchmetrics import MeanMetric

from argmine.documents import Document, Relation, Span
from argmine.encoding.structure import decode_structure
from argmine.encoding.tags import TagVocab, tags_to_spans
from argmine.encoding.windows import stitch_token_scores
from argmine.errors import CheckpointError, DocumentError
from argmine.metrics import ComponentMetrics

ALLOWED_MODULE_PREFIX = "argmine."


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
    ) -> None:
        super().__init__()
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
            self.net = net(**derived)
            user = dict(getattr(net, "keywords", {}))
            self.net_kwargs = {k: v for k, v in {**user, **derived}.items() if jsonable(v)}
        self.span_labels = self._plain_labels()
        self.metrics = torch.nn.ModuleDict(
            {
                stage: ComponentMetrics(
                    self.span_labels, with_relations=target == "structure", tags=list(tag_vocab.tags)
                )
                for stage in ("val", "test")
            }
        )
        self.eval_loss = torch.nn.ModuleDict({stage: MeanMetric() for stage in ("val", "test")})
        self._collected: dict[str, dict[int, list[tuple[int, int, torch.Tensor]]]] = defaultdict(
            dict
        )
        self.predictions: dict[str, list[Document]] = {}
        self.datamodule_records: Any = None

    def _plain_labels(self) -> list[str]:
        if self.target != "structure":
            return list(self.tag_vocab.labels)
        return sorted({lab.split(":")[0] for lab in self.tag_vocab.labels})

    # -- training ------------------------------------------------------------------------------
    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        loss = self.net.loss(batch)
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
    def _eval_step(self, batch: dict[str, Any], stage: str) -> None:
        emissions = self.net.emissions(batch)
        loss = self.net.loss(batch, emissions=emissions)
        # a weighted mean synced as sums, so the loss is the same on any number of processes
        self.eval_loss[stage].update(loss.detach(), weight=len(batch["unit_index"]))
        lengths = batch["mask"].sum(dim=1).tolist()
        store = self._collected[stage]
        for b, (ri, (first, last)) in enumerate(
            zip(batch["unit_index"], batch["word_range"], strict=True)
        ):
            store.setdefault(ri, []).append(
                (first, last, emissions[b, : lengths[b]].detach().float().cpu())
            )

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        self._eval_step(batch, "val")

    def test_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        self._eval_step(batch, "test")

    def on_validation_epoch_end(self) -> None:
        self._finish_stage("val")

    def on_test_epoch_end(self) -> None:
        self._finish_stage("test")

    def _finish_stage(self, stage: str) -> None:
        datamodule = self.trainer.datamodule
        records = datamodule.records[stage]
        collected = self._collected.pop(stage, {})
        unit_ids = sorted(collected)
        decoded = self.decode_units([(records[i].unit.n_tokens, collected[i]) for i in unit_ids])
        metric = self.metrics[stage]
        pred_docs: dict[int, tuple[list[Span], list[Relation]]] = defaultdict(lambda: ([], []))
        for ri, (tag_ids, confidences) in zip(unit_ids, decoded, strict=True):
            rec = records[ri]
            doc = datamodule.documents[stage][rec.doc_index]
            spans, relations = self.tags_to_structure(rec.unit.tokens, tag_ids, confidences)
            gold_ids = {s.id for s in rec.unit.spans}
            gold_relations = [
                r for r in doc.relations if r.source in gold_ids and r.target in gold_ids
            ]
            to_tokens = token_index(rec.unit.tokens)
            metric.update(
                pred_spans={sp.id: to_tokens(sp) for sp in spans},
                gold_spans={sp.id: to_tokens(sp) for sp in rec.unit.spans},
                pred_relations=[(r.source, r.target, r.label) for r in relations],
                gold_relations=[(r.source, r.target, r.label) for r in gold_relations],
                pred_tags=tag_ids,
                gold_tags=[self.tag_vocab.tag_to_id[t] for t in rec.tags],
            )
            acc = pred_docs[rec.doc_index]
            acc[0].extend(spans)
            acc[1].extend(relations)
        results = metric.compute()
        results["loss"] = self.eval_loss[stage].compute()
        self.eval_loss[stage].reset()
        # values are already synced by the metrics; sync_dist averages identical numbers
        self.log_dict({f"{stage}/{k}": v for k, v in results.items()}, sync_dist=True)
        metric.reset()
        docs = datamodule.documents[stage]
        self.predictions[stage] = [
            docs[i].replace(spans=_renumber(sp, rel)[0], relations=_renumber(sp, rel)[1])
            for i, (sp, rel) in sorted(pred_docs.items())
        ]

    # -- decoding (shared with prediction) -----------------------------------------------------------
    @torch.inference_mode()
    def decode_units(
        self, units: list[tuple[int, list[tuple[int, int, torch.Tensor]]]], batch_size: int = 64
    ) -> list[tuple[list[int], list[float]]]:
        """Stitch each unit's window emissions and decode whole units in batches."""
        stitched = []
        for n_tokens, windows in units:
            if len(windows) == 1 and windows[0][0] == 0 and windows[0][1] == n_tokens:
                stitched.append(windows[0][2])
            else:
                ranges = [(a, b) for a, b, _ in windows]
                scores = [w for _, _, w in windows]
                stitched.append(torch.as_tensor(stitch_token_scores(n_tokens, ranges, scores)))
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

    def tags_to_structure(
        self, tokens: list[tuple[int, int]], tag_ids: list[int], confidences: list[float]
    ) -> tuple[list[Span], list[Relation]]:
        """Decoded tag ids of one unit -> character spans (+ relations for ``structure``)."""
        tags = [self.tag_vocab.id_to_tag[i] for i in tag_ids]
        triples = tags_to_spans(tokens, tags, self.tag_vocab.scheme)
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

    # -- persistence (no pickled objects in checkpoints) ---------------------------------------------
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
        }

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["argmine"] = self.export_state()
        checkpoint["argmine_rng"] = rng_state()

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
            **kwargs,
        )


def rng_state() -> dict[str, Any]:
    """Python, numpy and torch RNG states as tensors and plain values (``weights_only``-safe)."""
    import random

    import numpy as np

    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype("int64")), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached": float(cached)},
    }


def set_rng_state(state: dict[str, Any]) -> None:
    import random

    import numpy as np

    torch.set_rng_state(state["torch"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype("uint32"), n["pos"], n["has_gauss"], n["cached"]))


def token_index(tokens: list[tuple[int, int]]) -> Callable[[Span], tuple[int, int, str]]:
    """Map a token-aligned character span to ``(first token, last token + 1, label)``.

    Metrics count in tokens, as Eger et al.'s scorer does (its overlap ratios are over tokens).
    """
    starts = {s: i for i, (s, _) in enumerate(tokens)}
    ends = {e: i + 1 for i, (_, e) in enumerate(tokens)}

    def convert(span: Span) -> tuple[int, int, str]:
        try:
            return (starts[span.start], ends[span.end], span.label)
        except KeyError:
            raise DocumentError(f"span {span.id} [{span.start}, {span.end}) is not token-aligned") from None

    return convert


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
