"""Gold-component model (Stab & Gurevych 2017 setting): component type, stance and links.

``ComponentPairModule``: word + character-CNN embeddings -> BiLSTM over the unit (paragraph) ->
one vector per gold component (mean of its word states, its first and its last state, plus
structural features unless ``structural_features=False``: first / last unit of the document,
first / last component of the unit, relative position, 1 / component count) ->

* a type classifier (MajorClaim / Claim / Premise),
* a stance classifier (support / attack; components without a gold stance are not scored),
* a pair scorer over every ordered pair ``(i, j)``, ``i != j``, of the unit's components:
  an MLP over ``[r_i; r_j; r_i * r_j; distance embedding(j - i)]`` -> P(i links to j).

Everything between documents and tensors belongs to the :class:`~argmine.tasks.PairTask`
(``self.task``): decoding keeps the essays' tree shape (each component links to at most one
target, its best-scoring one, if that probability is above 0.5), and the pipeline's documents
are decoded there. Metrics (:class:`argmine.metrics.MacroF1`):
``{stage}/type_macro_f1``, ``{stage}/link_macro_f1`` (linked / not-linked over all ordered pairs
within a unit, :func:`argmine.metrics.gold.pair_link_labels`), ``{stage}/stance_macro_f1``.

Pipeline: when the data module reads the test components from a tagger's predictions
(``data.predicted_components``), the test stage predicts stance and links over those components
and scores the resulting documents against the gold ones end to end, as the joint models are
scored: ``test/c_f1_*`` (the tagger's components) and ``test/r_f1_exact`` / ``test/r_f1_50``
(Eger et al.'s R-F1, :mod:`argmine.models.pipeline`). The linked documents are kept in
``predictions["test"]`` (``argmine train`` writes them to ``<run>/predictions/test.jsonl``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import lightning.pytorch as pl
import torch
from torch import nn
from torch.nn import functional as F

from argmine.errors import CheckpointError, ConfigError
from argmine.metrics import ComponentMetrics
from argmine.metrics.gold import MacroF1, pair_link_labels
from argmine.models.bilstm_cnn_crf import CharCNN, MaskedBiLSTM, WordEmbedding
from argmine.models.dropout import FastDropout
from argmine.models.pipeline import score_documents
from argmine.tasks import PairDecoding, PairOutput, PairTask
from argmine.tasks.pairs import NUM_STRUCTURAL_FEATURES, STANCE_LABELS

LINK_LABELS = ["linked", "not-linked"]


class PairEncoder(nn.Module):
    """Word/char BiLSTM encoder and the three heads (no Lightning)."""

    def __init__(
        self,
        vocab_size: int,
        num_chars: int,
        num_types: int,
        word_dim: int = 100,
        char_dim: int = 30,
        char_filters: int = 50,
        char_kernel: int = 3,
        hidden_size: int = 100,
        num_layers: int = 1,
        dropout: float = 0.5,
        mlp_size: int = 100,
        max_distance: int = 10,
        pretrained_embeddings: torch.Tensor | None = None,
        structural_features: bool = True,
        freeze_embeddings: bool = False,
        word_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.num_features = NUM_STRUCTURAL_FEATURES if structural_features else 0
        self.word_embed = WordEmbedding(
            vocab_size, word_dim, pretrained_embeddings, freeze_embeddings, word_dropout, init="normal"
        )
        word_dim = self.word_embed.embedding_dim
        self.char_cnn = CharCNN(num_chars, char_dim, char_filters, char_kernel, dropout)
        self.dropout = FastDropout(dropout)
        self.lstm = MaskedBiLSTM(word_dim + char_filters, hidden_size, num_layers, dropout)
        span_dim = 3 * 2 * hidden_size + self.num_features
        self.max_distance = max_distance
        self.distance = nn.Embedding(2 * max_distance + 1, 25)

        def mlp(inp: int, out: int) -> nn.Sequential:
            return nn.Sequential(nn.Linear(inp, mlp_size), nn.ReLU(), nn.Dropout(dropout), nn.Linear(mlp_size, out))

        self.type_head = mlp(span_dim, num_types)
        self.stance_head = mlp(span_dim, len(STANCE_LABELS))
        self.pair_head = mlp(3 * span_dim + 25, 1)

    def spans(self, batch: dict[str, Any]) -> list[torch.Tensor]:
        """One ``[n_components, 6H]`` tensor per unit."""
        word_ids, char_ids, mask = batch["word_ids"], batch["char_ids"], batch["mask"].bool()
        words = self.word_embed(word_ids, mask)
        char_vectors = self.char_cnn(char_ids[mask])
        chars = char_vectors.new_zeros(*word_ids.shape, self.char_cnn.out_dim)
        chars[mask] = char_vectors
        states = self.lstm(self.dropout(torch.cat([words, chars], dim=-1)), mask)
        states = self.dropout(states)
        out = []
        for b, ranges in enumerate(batch["ranges"]):
            reps = [
                torch.cat([states[b, a:e].mean(0), states[b, a], states[b, e - 1]]) for a, e in ranges
            ]
            rep = torch.stack(reps) if reps else states.new_zeros(0, self.type_head[0].in_features - self.num_features)
            if self.num_features:
                feats = batch["features"][b].to(device=rep.device, dtype=rep.dtype)
                rep = torch.cat([rep, feats], dim=1)
            out.append(rep)
        return out

    def pair_logits(self, reps: torch.Tensor) -> torch.Tensor:
        """``[n, n]`` link logits (diagonal unused)."""
        n = reps.size(0)
        idx = torch.arange(n, device=reps.device)
        dist = (idx.unsqueeze(0) - idx.unsqueeze(1)).clamp(-self.max_distance, self.max_distance)
        left = reps.unsqueeze(1).expand(n, n, -1)
        right = reps.unsqueeze(0).expand(n, n, -1)
        feats = torch.cat([left, right, left * right, self.distance(dist + self.max_distance)], dim=-1)
        return self.pair_head(feats).squeeze(-1)


def balanced_weights(counts: list[int]) -> torch.Tensor:
    """Inverse-frequency class weights ``total / (classes * count)``; a class never seen in
    training gets weight 0 (it has no examples to weigh)."""
    counts_t = torch.tensor(counts, dtype=torch.float32)
    present = counts_t > 0
    weights = torch.zeros_like(counts_t)
    weights[present] = counts_t.sum() / (int(present.sum()) * counts_t[present])
    return weights


class ComponentPairModule(pl.LightningModule):
    """Type, stance and link prediction on gold components; see the module doc.

    Args:
        net: partial of :class:`PairEncoder`, completed with vocabulary sizes and type count.
        optimizer: partial optimizer.
        featurizer: the fitted ``WordCharFeaturizer``.
        type_labels: component labels (from the data module).
        link_weight / stance_weight: loss weights of the link and stance terms.
        class_counts: training components per type and per stance (from the data module).
        relation_names / stance_values: how the training data spells a support / attack
            relation and stance (from the data module; the pipeline's documents use them).
        class_balance: weight the type and stance losses by inverse class frequency
            (``total / (classes * count)`` from ``class_counts``), for macro F1 over rare classes
            (MajorClaim, attack); the link loss is unchanged.
        name: the config's model name (a label only).
    """

    def __init__(
        self,
        net: Callable[..., PairEncoder],
        optimizer: Callable[..., torch.optim.Optimizer] | None,
        featurizer: Any,
        type_labels: list[str],
        link_weight: float = 1.0,
        stance_weight: float = 1.0,
        class_counts: dict[str, list[int]] | None = None,
        class_balance: bool = False,
        name: str | None = None,
        relation_names: dict[str, str] | None = None,
        stance_values: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.task = PairTask(featurizer, type_labels, class_counts, relation_names, stance_values)
        self.optimizer_factory = optimizer
        self.link_weight, self.stance_weight = link_weight, stance_weight
        self.net = net(**featurizer.model_kwargs(), num_types=len(self.type_labels))
        if class_balance and not class_counts:
            raise ConfigError("model.class_balance needs the training class counts (data module model_inputs)")
        # per-class loss weights (None: unweighted); derived from the data, so not saved
        self.register_buffer("type_weight", balanced_weights(class_counts["type"]) if class_balance else None,
                             persistent=False)
        self.register_buffer("stance_weight_per_class",
                             balanced_weights(class_counts["stance"]) if class_balance else None, persistent=False)
        self.predictions: dict[str, list[Any]] = {}
        self._pipeline_outputs: dict[int, PairDecoding] = {}
        self.metrics = nn.ModuleDict(
            {
                f"{stage}_{name}": MacroF1(labels)
                for stage in ("val", "test")
                for name, labels in (("type", self.type_labels), ("link", LINK_LABELS), ("stance", STANCE_LABELS))
            }
        )

    @property
    def featurizer(self) -> Any:
        return self.task.featurizer

    @property
    def type_labels(self) -> list[str]:
        return self.task.type_labels

    def _losses(self, batch: dict[str, Any]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        reps = self.net.spans(batch)
        all_reps = torch.cat(reps)
        types = torch.tensor([t for ts in batch["types"] for t in ts], device=all_reps.device)
        loss = F.cross_entropy(self.net.type_head(all_reps), types, weight=self.type_weight)
        stances = torch.tensor([s for ss in batch["stances"] for s in ss], device=all_reps.device)
        if (stances >= 0).any():
            loss = loss + self.stance_weight * F.cross_entropy(
                self.net.stance_head(all_reps), stances, weight=self.stance_weight_per_class, ignore_index=-1
            )
        pair_losses = []
        for r, links in zip(reps, batch["links"], strict=True):
            n = r.size(0)
            if n < 2:
                continue
            logits = self.net.pair_logits(r)
            gold = torch.zeros(n, n, device=r.device)
            for i, j in links:
                gold[i, j] = 1.0
            off = ~torch.eye(n, dtype=torch.bool, device=r.device)
            pair_losses.append(F.binary_cross_entropy_with_logits(logits[off], gold[off], reduction="sum"))
        if pair_losses:
            n_pairs = sum(len(x) * (len(x) - 1) for x in batch["ranges"])
            loss = loss + self.link_weight * torch.stack(pair_losses).sum() / max(n_pairs, 1) * 10
        return loss, reps

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        loss, _ = self._losses(batch)
        self.log("train/loss", loss, on_step=True, on_epoch=True, prog_bar=True, batch_size=len(batch["ranges"]))
        return loss

    def _outputs(self, reps: torch.Tensor) -> PairOutput:
        """The heads' scores for one unit's component vectors (links only for two or more)."""
        types, stances = self.net.type_head(reps), self.net.stance_head(reps)
        links = torch.sigmoid(self.net.pair_logits(reps)) if reps.size(0) >= 2 else None
        return PairOutput(types, stances, links)

    def _eval_step(self, batch: dict[str, Any], stage: str) -> None:
        loss, reps = self._losses(batch)
        self.log(f"{stage}/loss", loss, on_epoch=True, batch_size=len(batch["ranges"]), sync_dist=True)
        for r, types, stances, links in zip(reps, batch["types"], batch["stances"], batch["links"], strict=True):
            pred = self.task.decode_unit(self._outputs(r))
            self.metrics[f"{stage}_type"].update(pred.types or [], [self.type_labels[t] for t in types])
            scored = [k for k, s in enumerate(stances) if s >= 0]
            if scored:
                self.metrics[f"{stage}_stance"].update(
                    [pred.stances[k] for k in scored], [STANCE_LABELS[stances[k]] for k in scored]
                )
            if r.size(0) >= 2:
                ids = [str(k) for k in range(r.size(0))]
                as_ids = lambda ls: [(str(i), str(j)) for i, j in ls]  # noqa: E731
                self.metrics[f"{stage}_link"].update(
                    pair_link_labels(ids, as_ids(pred.links)), pair_link_labels(ids, as_ids(links))
                )

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        self._eval_step(batch, "val")

    def test_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        if self._pipeline():
            self._collect_pipeline(batch)
        else:
            self._eval_step(batch, "test")

    def _pipeline(self) -> bool:
        """Whether the test components come from a tagger's predictions."""
        datamodule = getattr(self._trainer, "datamodule", None) if self._trainer is not None else None
        return getattr(datamodule, "predicted_components", None) is not None

    @torch.no_grad()
    def _collect_pipeline(self, batch: dict[str, Any]) -> None:
        for index, reps in zip(batch["unit_index"], self.net.spans(batch), strict=True):
            self._pipeline_outputs[index] = self.task.decode_unit(self._outputs(reps))

    def _finish_pipeline(self) -> None:
        dm = self.trainer.datamodule
        # the components (and their labels) are the tagger's: only relations and stance are added
        predicted = self.task.decode_documents(dm.documents["test"], dm.records["test"], self._pipeline_outputs,
                                               types=False)
        self._pipeline_outputs = {}
        results = score_documents(predicted, dm.gold_documents["test"], dm.units_tokens, self.type_labels)
        self.log_dict({f"test/{k}": v for k, v in results.items()})
        self.predictions["test"] = predicted

    def _finish(self, stage: str) -> None:
        for name in ("type", "link", "stance"):
            metric = self.metrics[f"{stage}_{name}"]
            res = metric.compute()
            self.log(f"{stage}/{name}_macro_f1", res["macro_f1"])
            self.log(f"{stage}/{name}_accuracy", res["accuracy"])
            metric.reset()

    def on_validation_epoch_end(self) -> None:
        self._finish("val")

    def on_test_epoch_end(self) -> None:
        if self._pipeline():
            self._finish_pipeline()
        else:
            self._finish("test")

    def logged_metric_names(self) -> set[str]:
        """Every metric name this model logs: losses, and per stage the type/link/stance macro F1
        and accuracy; a pipeline's test stage adds the component and relation scores."""
        names = {"train/loss", "train/loss_step", "train/loss_epoch", "val/loss", "test/loss"}
        names |= {f"{stage}/{name}_{kind}" for stage in ("val", "test") for name in ("type", "link", "stance")
                  for kind in ("macro_f1", "accuracy")}
        with warnings.catch_warnings():  # an empty copy: torchmetrics warns that nothing was updated
            warnings.simplefilter("ignore", UserWarning)
            pipeline = ComponentMetrics(list(self.type_labels), with_relations=True).compute()
        return names | {f"test/{key}" for key in pipeline}

    def configure_optimizers(self) -> Any:
        if self.optimizer_factory is None:
            raise CheckpointError("this model was loaded for inference only and has no optimizer")
        return self.optimizer_factory(self.parameters())
