"""Data for the gold-component setting (Stab & Gurevych 2017): units (paragraphs) with their
GOLD components; targets are each component's type and stance and, for every ordered pair of
components in a unit, linked / not linked.

Implements the protocol ``argmine.training.train`` uses for data modules (``prepare_corpus``,
``train_words``, ``words``, ``attach_featurizer``, ``model_inputs``, ``setup``, ``*_dataloader``,
``records``, ``documents``). Everything between documents and tensors (units, token ranges,
structural features, targets, type labels, class counts, batches) belongs to the
:class:`~argmine.tasks.PairTask` (``self.task``); this module reads the corpus and batches.

Pipeline (``predicted_components``): the test documents' components are read from a tagger's
predictions (:mod:`argmine.data.predicted`) instead of the gold annotation; the gold test
documents stay in ``gold_documents["test"]`` for end-to-end scoring (C-F1 and R-F1 as in
:class:`argmine.models.TaggerModule`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader

from argmine.data.datamodule import stage_documents
from argmine.data.predicted import predicted_documents, read_predicted_components
from argmine.documents import Document
from argmine.errors import ConfigError
from argmine.schema import LabelSchema, load_schema
from argmine.tasks import PairEncoding, PairTask

STAGES = ("train", "val", "test")


class PairDataModule(pl.LightningDataModule):
    """Units (paragraphs) with gold components for :class:`argmine.models.pairs.ComponentPairModule`.

    Args mirror :class:`argmine.data.ArgumentDataModule` (corpus, root, reader, schema, unit,
    splits, batch sizes, seed, limit_documents, dev/test fractions, ``fold`` for
    cross-validation). Units without components are skipped (they have nothing to classify).
    ``predicted_components``: a prediction jsonl whose spans replace the test documents' gold
    components (pipeline evaluation). ``records[stage]``: the stage's
    :class:`~argmine.tasks.PairEncoding` s, in document then text order.
    """

    def __init__(
        self,
        corpus: str,
        root: str | None = None,
        reader: Mapping[str, Any] | None = None,
        schema: str | LabelSchema = "native",
        unit: str = "paragraph",
        splits: Mapping[str, str] | None = None,
        batch_size: int = 16,
        eval_batch_size: int | None = None,
        num_workers: int = 0,
        seed: int = 0,
        limit_documents: int | None = None,
        dev_fraction: float | None = None,
        test_fraction: float | None = None,
        dev_seed: int = 13,
        fold: Mapping[str, Sequence[str]] | None = None,
        predicted_components: str | None = None,
    ) -> None:
        super().__init__()
        if unit not in {"paragraph", "document"}:
            raise ConfigError(f"data.unit must be 'paragraph' or 'document', got {unit!r}")
        self.corpus_name, self.root, self.unit = corpus, root, unit
        self.reader_options = dict(reader or {})
        self.schema = schema if isinstance(schema, LabelSchema) else load_schema(schema)
        self.splits = dict(splits or {"train": "train", "val": "dev", "test": "test"})
        unknown = set(self.splits) - set(STAGES)
        if unknown:
            raise ConfigError(f"data.splits has unknown stage(s) {sorted(unknown)}; stages: {STAGES}")
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size or batch_size
        self.num_workers, self.seed = num_workers, seed
        self.limit_documents = limit_documents
        self.dev_fraction, self.test_fraction, self.dev_seed = dev_fraction, test_fraction, dev_seed
        self.fold = dict(fold) if fold else None
        self.predicted_components = predicted_components
        self.gold_documents: dict[str, list[Document]] = {}
        self.documents: dict[str, list[Document]] = {}
        self.records: dict[str, list[PairEncoding]] = {}
        self.task = PairTask(unit=unit)
        self.featurizer: Any = None
        self._prepared = False

    def prepare_corpus(self) -> None:
        if self._prepared:
            return
        self.documents = stage_documents(
            self.corpus_name, self.root, self.reader_options, self.schema, self.splits,
            fold=self.fold, dev_fraction=self.dev_fraction, test_fraction=self.test_fraction,
            dev_seed=self.dev_seed, limit_documents=self.limit_documents,
        )  # fmt: skip
        if self.predicted_components is not None and "test" in self.documents:
            self.gold_documents["test"] = self.documents["test"]
            self.documents["test"] = predicted_documents(
                self.documents["test"], read_predicted_components(self.predicted_components),
                self.predicted_components, self.unit_tokens,
            )
        for stage, docs in self.documents.items():
            self.records[stage] = [enc for i, doc in enumerate(docs) for enc in self.task.encode(doc, doc_index=i)]
        self.task.prepare(self.documents.get("train", []), list(self.schema.span_labels or []),
                          labels_from=[doc for docs in self.documents.values() for doc in docs])
        self._prepared = True

    @property
    def type_labels(self) -> list[str]:
        """The component labels (the task's, see :meth:`argmine.tasks.PairTask.prepare`)."""
        return self.task.type_labels

    @property
    def relation_names(self) -> dict[str, str]:
        """How the training data spells a support / attack relation."""
        return self.task.relation_names

    @property
    def stance_values(self) -> dict[str, str] | None:
        """The training data's stance attribute values, if it has them."""
        return self.task.stance_values

    def unit_tokens(self, doc: Document) -> list[tuple[int, int]]:
        """The tokens of all of a document's units, in text order."""
        return [t for unit in self.units_tokens(doc) for t in unit]

    def units_tokens(self, doc: Document) -> list[list[tuple[int, int]]]:
        """The tokens of each of a document's units, in text order."""
        return [unit.tokens for unit in self.task.units(doc)]

    def model_inputs(self) -> dict[str, Any]:
        """Data-derived model arguments (the task's state), passed by code, never by config."""
        self.prepare_corpus()
        return {"type_labels": list(self.type_labels), "class_counts": self.class_counts(),
                "relation_names": dict(self.relation_names), "stance_values": self.stance_values}

    def class_counts(self) -> dict[str, list[int]]:
        """Training components per type (in ``type_labels`` order) and per stance (support,
        attack; components without a gold stance not counted)."""
        return {k: list(v) for k, v in self.task.class_counts.items()}

    def train_words(self) -> list[list[str]]:
        return self.words("train")

    def words(self, stage: str) -> list[list[str]]:
        """Word strings of every unit of ``stage`` (none if the stage has no data)."""
        self.prepare_corpus()
        docs = self.documents.get(stage, [])
        return [rec.unit.token_texts(docs[rec.doc_index].text) for rec in self.records.get(stage, [])]

    def attach_featurizer(self, featurizer: Any) -> None:
        self.prepare_corpus()
        self.featurizer = featurizer
        self.task.featurizer = featurizer
        for stage, recs in self.records.items():
            for rec in recs:
                rec.encoded = self.task.featurize(self.documents[stage][rec.doc_index].text, rec.unit)

    def setup(self, stage: str | None = None) -> None:
        self.prepare_corpus()
        if self.featurizer is None:
            raise ConfigError("PairDataModule.attach_featurizer(featurizer) must be called before setup")

    def collate(self, stage: str, indices: Sequence[int]) -> dict[str, Any]:
        """The task's batch of records ``indices`` of ``stage``, plus their ``unit_index``."""
        out = self.task.collate([self.records[stage][i] for i in indices])
        out["unit_index"] = list(indices)
        return out

    def _loader(self, stage: str, shuffle: bool) -> DataLoader:
        if stage not in self.records:
            raise ConfigError(f"no data for stage {stage!r}: data.splits is {self.splits}")
        generator = torch.Generator().manual_seed(self.seed)
        return DataLoader(
            list(range(len(self.records[stage]))),
            batch_size=self.batch_size if shuffle else self.eval_batch_size,
            shuffle=shuffle,
            generator=generator if shuffle else None,
            collate_fn=lambda batch: self.collate(stage, batch),
            num_workers=self.num_workers,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)
