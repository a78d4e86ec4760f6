"""Data for the gold-component setting (Stab & Gurevych 2017): paragraphs with their GOLD
components; targets are each component's type and stance and, for every ordered pair of
components in a paragraph, linked / not linked.

Implements the protocol ``argmine.training.train`` uses for data modules (``prepare_corpus``,
``train_words``, ``words``, ``attach_featurizer``, ``model_inputs``, ``setup``, ``*_dataloader``,
``records``, ``documents``).

Targets per component: ``type`` = its label; ``stance`` = ``support``/``attack``: a claim's
``stance`` attribute (``For`` -> support, ``Against`` -> attack), a microtext ADU's ``role``
(``pro`` -> support, ``opp`` -> attack), or the type of its outgoing
relation (attack-like labels, see :func:`argmine.encoding.stance.is_attack` -> attack), ``None``
(not scored) when it has neither. Links: relations whose endpoints are both in the unit.

Pipeline (``predicted_components``): the test documents' components are read from a tagger's
predictions (:mod:`argmine.data.predicted`) instead of the gold annotation; the gold test
documents stay in ``gold_documents["test"]`` for end-to-end scoring (C-F1 and R-F1 as in
:class:`argmine.models.TaggerModule`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader

from argmine.data.datamodule import stage_documents
from argmine.data.predicted import predicted_documents, read_predicted_components
from argmine.documents import Document
from argmine.encoding.stance import is_attack
from argmine.encoding.units import Unit, make_units
from argmine.errors import ConfigError
from argmine.schema import LabelSchema, load_schema

STAGES = ("train", "val", "test")
SUPPORT, ATTACK = "support", "attack"


@dataclass
class PairRecord:
    """One unit, its gold components as token ranges ``(first, last + 1)`` and their targets."""

    doc_index: int
    unit: Unit
    ranges: list[tuple[int, int]]
    types: list[str]
    stances: list[str | None]
    links: set[tuple[int, int]]
    encoded: dict[str, Any] = field(default_factory=dict)
    features: Any = None  # [n_components, NUM_STRUCTURAL_FEATURES] float tensor, built once


#: Structural features per component (Stab & Gurevych's strongest feature group): the unit is
#: the first / last of its document's units that have components, the component is the first /
#: last of its unit, its relative position in the unit, 1 / number of components in the unit.
NUM_STRUCTURAL_FEATURES = 6


def structural_features(unit_position: int, n_units: int, n_components: int) -> list[list[float]]:
    """:data:`NUM_STRUCTURAL_FEATURES` numbers per component of one unit (see there)."""
    out = []
    for k in range(n_components):
        out.append([
            float(unit_position == 0), float(unit_position == n_units - 1),
            float(k == 0), float(k == n_components - 1),
            k / max(n_components - 1, 1), 1.0 / n_components,
        ])
    return out


def component_stance(doc: Document, span_id: str, attributes: Mapping[str, Any]) -> str | None:
    """support / attack / None for one gold component (see module doc)."""
    stance = str(attributes.get("stance", "")).lower()
    if stance in {"for", "against"}:
        return SUPPORT if stance == "for" else ATTACK
    role = str(attributes.get("role", "")).lower()  # microtexts: proponent / opponent
    if role in {"pro", "opp"}:
        return SUPPORT if role == "pro" else ATTACK
    for rel in doc.relations:
        if rel.source == span_id and "derived" not in rel.attributes:
            return ATTACK if is_attack(rel) else SUPPORT
    return None


def make_pair_record(doc_index: int, doc: Document, unit: Unit) -> PairRecord:
    starts = {s: i for i, (s, _) in enumerate(unit.tokens)}
    ends = {e: i + 1 for i, (_, e) in enumerate(unit.tokens)}
    position = {s.id: k for k, s in enumerate(unit.spans)}
    ranges = []
    for span in unit.spans:
        if span.start not in starts or span.end not in ends:
            raise ConfigError(f"document {doc.id}: span {span.id} is not token-aligned")
        ranges.append((starts[span.start], ends[span.end]))
    links = {
        (position[r.source], position[r.target])
        for r in doc.relations
        if r.source in position and r.target in position and r.source != r.target
        and "derived" not in r.attributes
    }
    return PairRecord(
        doc_index,
        unit,
        ranges,
        [s.label for s in unit.spans],
        [component_stance(doc, s.id, s.attributes) for s in unit.spans],
        links,
    )


def relation_vocabulary(docs: Sequence[Document]) -> tuple[dict[str, str], dict[str, str] | None]:
    """How the training data spells a support and an attack relation (its most frequent label
    of each kind), and claims' stance values (``For``/``Against``) when its spans carry a
    ``stance`` attribute: the names a pipeline gives the relations and stances it predicts."""
    kinds: dict[str, Counter[str]] = {SUPPORT: Counter(), ATTACK: Counter()}
    for doc in docs:
        for rel in doc.relations:
            if "derived" not in rel.attributes:
                kinds[ATTACK if is_attack(rel) else SUPPORT][rel.label] += 1
    names = {k: (c.most_common(1)[0][0] if c else k) for k, c in kinds.items()}
    has_stance = any(str(s.attributes.get("stance", "")).lower() in {"for", "against"} for d in docs for s in d.spans)
    return names, ({SUPPORT: "For", ATTACK: "Against"} if has_stance else None)


class PairDataModule(pl.LightningDataModule):
    """Units (paragraphs) with gold components for :class:`argmine.models.pairs.ComponentPairModule`.

    Args mirror :class:`argmine.data.ArgumentDataModule` (corpus, root, reader, schema, unit,
    splits, batch sizes, seed, limit_documents, dev/test fractions, ``fold`` for cross-validation). Units without components
    are skipped (they have nothing to classify). ``predicted_components``: a prediction jsonl
    whose spans replace the test documents' gold components (pipeline evaluation).
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
        self.relation_names = {SUPPORT: SUPPORT, ATTACK: ATTACK}
        self.stance_values: dict[str, str] | None = None
        self.documents: dict[str, list[Document]] = {}
        self.records: dict[str, list[PairRecord]] = {}
        self.type_labels: list[str] = []
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
        self.relation_names, self.stance_values = relation_vocabulary(self.documents.get("train", []))
        for stage, docs in self.documents.items():
            records = []
            for i, doc in enumerate(docs):
                units = [u for u in make_units(doc, self.unit) if u.spans]
                for position, unit in enumerate(units):
                    rec = make_pair_record(i, doc, unit)
                    rec.features = torch.tensor(
                        structural_features(position, len(units), len(unit.spans)), dtype=torch.float32
                    ).reshape(len(unit.spans), NUM_STRUCTURAL_FEATURES)
                    records.append(rec)
            self.records[stage] = records
        declared = list(self.schema.span_labels or [])
        seen = sorted({t for recs in self.records.values() for r in recs for t in r.types})
        self.type_labels = [lab for lab in declared if lab in seen] + [
            lab for lab in seen if lab not in declared
        ]
        self._prepared = True

    def unit_tokens(self, doc: Document) -> list[tuple[int, int]]:
        """The tokens of all of a document's units, in text order."""
        return [t for unit in self.units_tokens(doc) for t in unit]

    def units_tokens(self, doc: Document) -> list[list[tuple[int, int]]]:
        """The tokens of each of a document's units, in text order."""
        return [unit.tokens for unit in make_units(doc, self.unit)]

    def model_inputs(self) -> dict[str, Any]:
        self.prepare_corpus()
        return {"type_labels": list(self.type_labels), "class_counts": self.class_counts()}

    def class_counts(self) -> dict[str, list[int]]:
        """Training components per type (in ``type_labels`` order) and per stance (support,
        attack; components without a gold stance not counted)."""
        recs = self.records.get("train", [])
        types = [t for r in recs for t in r.types]
        stances = [s for r in recs for s in r.stances if s is not None]
        return {"type": [types.count(label) for label in self.type_labels],
                "stance": [len(stances) - stances.count(ATTACK), stances.count(ATTACK)]}

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
        for stage, recs in self.records.items():
            for rec in recs:
                rec.encoded = dict(featurizer.encode(rec.unit.token_texts(self.documents[stage][rec.doc_index].text)))

    def setup(self, stage: str | None = None) -> None:
        self.prepare_corpus()
        if self.featurizer is None:
            raise ConfigError("PairDataModule.attach_featurizer(featurizer) must be called before setup")

    def collate(self, stage: str, indices: Sequence[int]) -> dict[str, Any]:
        recs = [self.records[stage][i] for i in indices]
        out = self.featurizer.collate([r.encoded for r in recs])
        out["unit_index"] = list(indices)
        out["ranges"] = [r.ranges for r in recs]
        # predicted components may carry a label the training data never had: -1
        out["types"] = [[self.type_labels.index(t) if t in self.type_labels else -1 for t in r.types] for r in recs]
        out["stances"] = [[-1 if s is None else int(s == ATTACK) for s in r.stances] for r in recs]
        out["links"] = [r.links for r in recs]
        out["features"] = [r.features for r in recs]
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
