"""The LightningModule for taggers: forward, loss, logging, optimizers, and metric updates.

The network (``BiLSTMCNNCRF``, ``TransformerTagger``, ...) is passed as a partial and completed
here with the data-derived arguments (tag count, BIO constraints, vocabulary sizes), which come
from the data module and featurizer by code, never from user-typed config. Everything between
documents and tensors belongs to the :class:`~argmine.tasks.TaggingTask` (``self.task``);
evaluation collects window outputs and scores decoded documents
(:mod:`argmine.models.evaluation`).
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Callable
from typing import Any

import lightning.pytorch as pl
import torch
from torchmetrics import MeanMetric

from argmine.documents import Document
from argmine.encoding.tags import TagVocab
from argmine.errors import CheckpointError
from argmine.metrics import ComponentMetrics
from argmine.models.evaluation import DocumentScorer, WindowCollector, corpus_results, schema_named
from argmine.models.rng import rng_state, set_rng_state
from argmine.models.state import class_path, jsonable
from argmine.plain import check_plain, to_plain
from argmine.tasks import TaggingTask

STAGES = ("val", "test")


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
        corpus_names: the corpora of multi-corpus data (``MultiCorpusDataModule.model_inputs``):
            val/test then also log ``{stage}/{corpus}/c_f1_exact``... per corpus and
            ``{stage}/macro/c_f1_exact``... (their unweighted mean).
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
        corpus_names: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.native_types = to_plain(native_types)
        self.task = TaggingTask(featurizer, tag_vocab, target=target)
        self.optimizer_factory = optimizer
        self.scheduler_factory = scheduler
        self.param_groups_factory = param_groups
        self.net, self.net_kwargs = _build_net(net, net_kwargs, tag_vocab, featurizer)
        self.scorer = DocumentScorer(self.task, self.native_types)
        self.collector = WindowCollector()
        self.label_metrics = torch.nn.ModuleDict()
        if native_types:
            self.label_metrics.update({stage: ComponentMetrics(self.span_labels) for stage in STAGES})
        tags = list(self.task.decode_vocab(self.net).tags)

        def stage_metric() -> ComponentMetrics:
            return ComponentMetrics(self.scorer.scored_labels(), with_relations=target == "structure", tags=tags)

        self.metrics = torch.nn.ModuleDict({stage: stage_metric() for stage in STAGES})
        # multi-corpus data: one more per corpus and stage (val/<corpus>/..., val/macro/...)
        self.corpora = list(corpus_names or [])
        self.corpus_metrics = torch.nn.ModuleDict(
            {stage: torch.nn.ModuleDict({c: stage_metric() for c in self.corpora}) for stage in STAGES}
            if self.corpora else {}
        )
        self.eval_loss = torch.nn.ModuleDict({stage: MeanMetric() for stage in STAGES})
        self.predictions: dict[str, list[Document]] = {}

    @property
    def featurizer(self) -> Any:
        return self.task.featurizer

    @property
    def tag_vocab(self) -> TagVocab:
        assert self.task.tag_vocab is not None
        return self.task.tag_vocab

    @property
    def target(self) -> str:
        return self.task.target

    @property
    def span_labels(self) -> list[str]:
        return self.task.span_labels

    @property
    def decode_vocab(self) -> TagVocab:
        """The tags the network predicts (fewer than ``tag_vocab`` for a link head without distances)."""
        return self.task.decode_vocab(self.net)

    # -- training ------------------------------------------------------------------------------
    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        parts = batch.get("micro_batches")
        if parts is None:
            loss = self.net.loss(batch)
        else:  # ``data.micro_batches``: the shares make this the loss of the whole batch
            loss = sum(self.net.loss(part) * part["loss_share"] for part in parts)
        self.log("train/loss", loss, on_step=True, on_epoch=True, prog_bar=True, batch_size=len(batch["unit_index"]))
        return loss

    def configure_optimizers(self) -> Any:
        if self.optimizer_factory is None:
            raise CheckpointError("this model was loaded for inference only and has no optimizer")
        lr = getattr(self.optimizer_factory, "keywords", {}).get("lr", 1e-3)
        params = self.param_groups_factory(self.net, lr) if self.param_groups_factory else self.net.parameters()
        optimizer = self.optimizer_factory(params)
        if self.scheduler_factory is None:
            return optimizer
        scheduler = self.scheduler_factory(optimizer, total_steps=int(self.trainer.estimated_stepping_batches))
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    # -- evaluation ----------------------------------------------------------------------------
    def window_outputs(self, batch: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Emissions of a batch of windows, and the word vectors when the net has a link head."""
        if getattr(self.net, "links", None) is None:
            return self.net.emissions(batch), None
        return self.net.encode(batch)

    def _eval_step(self, batch: dict[str, Any], stage: str) -> None:
        emissions, states = self.window_outputs(batch)
        loss = self.net.loss(batch, emissions=emissions, **({} if states is None else {"states": states}))
        # a weighted mean synced as sums, so the loss is the same on any number of processes
        self.eval_loss[stage].update(loss.detach(), weight=len(batch["unit_index"]))
        self.collector.add(stage, batch, emissions, states)

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        self._eval_step(batch, "val")

    def test_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        self._eval_step(batch, "test")

    def on_validation_epoch_end(self) -> None:
        self._finish_stage("val")

    def on_test_epoch_end(self) -> None:
        self._finish_stage("test")

    def _finish_stage(self, stage: str) -> None:
        """Decode every unit through the task, score one document at a time, log the results."""
        datamodule = self.trainer.datamodule
        records = datamodule.records[stage]
        collected, mine = self.collector.finish(stage, records, self.trainer)
        metric = self.metrics[stage]
        per_corpus = self.corpus_metrics[stage] if self.corpora else None
        self.predictions[stage] = self.scorer.score(collected, mine, records, datamodule.documents[stage], self.net,
                                                    metric, self.label_metrics[stage] if self.native_types else None,
                                                    per_corpus)
        results = metric.compute()
        if self.native_types:
            results.update(schema_named(self.label_metrics[stage], self.native_types["schema"]))
        if per_corpus is not None:  # the corpora with documents in this stage (the same on every rank)
            present = {r.corpus for r in records}
            results.update(corpus_results(per_corpus, [c for c in self.corpora if c in present]))
        results["loss"] = self.eval_loss[stage].compute()
        self.eval_loss[stage].reset()
        # values are already synced by the metrics; sync_dist averages identical numbers
        self.log_dict({f"{stage}/{k}": v for k, v in results.items()}, sync_dist=True)
        metric.reset()

    def logged_metric_names(self) -> set[str]:
        """Every metric name this model logs (``train/loss``, ``val/...``, ``test/...``), read
        from fresh copies of its stage metrics: they follow the labels, target and schema."""
        names = {"train/loss", "train/loss_step", "train/loss_epoch"}
        for stage in STAGES:
            with warnings.catch_warnings():  # computing an empty copy: torchmetrics warns that nothing was updated
                warnings.simplefilter("ignore", UserWarning)
                results = dict(copy.deepcopy(self.metrics[stage]).compute())
                if self.native_types:
                    results.update(schema_named(copy.deepcopy(self.label_metrics[stage]), self.native_types["schema"]))
                if self.corpora:
                    results.update(corpus_results(copy.deepcopy(self.corpus_metrics[stage]), self.corpora))
            names |= {f"{stage}/{key}" for key in [*results, "loss"]}
        return names

    # -- persistence (no pickled objects in checkpoints) ---------------------------------------------
    def export_state(self) -> dict[str, Any]:
        """JSON-serialisable description of everything but the weights."""
        return {
            "format": "argmine-tagger/1",
            "net": {"class": class_path(self.net), "kwargs": self.net_kwargs},
            "featurizer": {"class": class_path(self.featurizer), "state": self.featurizer.state_dict()},
            "tag_vocab": self.tag_vocab.to_dict(),
            "target": self.target,
            "native_types": self.native_types,
            "corpora": self.corpora,
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


def _build_net(net: Callable[..., torch.nn.Module] | torch.nn.Module, net_kwargs: dict[str, Any] | None,
               tag_vocab: TagVocab, featurizer: Any) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The network (a built one as it is, or the partial completed with the data-derived
    arguments) and its JSON-serialisable constructor arguments."""
    if isinstance(net, torch.nn.Module):
        return net, dict(net_kwargs or {})
    derived = {"num_tags": len(tag_vocab), "allowed_transitions": tag_vocab.allowed_transitions(),
               **featurizer.model_kwargs()}
    if "link_tags" in inspect.signature(net).parameters:  # a link head reads the tags
        derived.update(link_tags=list(tag_vocab.tags), link_tag_scheme=tag_vocab.scheme)
    user = dict(getattr(net, "keywords", {}))
    return net(**derived), {k: v for k, v in {**user, **derived}.items() if jsonable(v)}
