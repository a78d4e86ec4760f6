"""The LightningDataModule: corpus reader + label schema -> units -> tags -> batches.

Reading, schema mapping, unit building and featurization happen once (``prepare_corpus`` and
``attach_featurizer``) and are cached for every epoch; batches are length-bucketed with dynamic
padding (see :mod:`argmine.data.sampling`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import lightning.pytorch as pl
from torch.utils.data import DataLoader, Dataset, Sampler

from argmine.corpora import Corpus, load_corpus
from argmine.data.sampling import BucketBatchSampler
from argmine.documents import Document
from argmine.encoding.tags import TagVocab
from argmine.encoding.units import Unit
from argmine.errors import ConfigError
from argmine.schema import LabelSchema, load_schema
from argmine.tasks import TaggingTask, featurize_unit

STAGES = ("train", "val", "test")


@dataclass
class UnitRecord:
    """One unit with its gold token tags (label strings) and its featurized windows."""

    doc_index: int
    unit: Unit
    tags: list[str]
    windows: list[dict[str, Any]] = field(default_factory=list)
    tag_ids: list[int] | None = None  # ``tags`` as vocabulary ids, filled on first collation
    corpus: str | None = None  # the corpus the unit comes from (multi-corpus data; else None)


class _WindowDataset(Dataset):
    def __init__(self, items: list[tuple[int, int]]) -> None:
        self.items = items  # (unit record index, window index)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, idx: int) -> tuple[int, int]:
        return self.items[idx]


class ArgumentDataModule(pl.LightningDataModule):
    """Batches of argument-mining units for tagging models.

    Args:
        corpus: registry name (``aae2``, ``aae2_conll``, ``sample``, ...).
        root: corpus folder; default ``$ARGMINE_DATA_DIR/<folder>``.
        reader: keyword options for the corpus reader (e.g. ``{level: paragraph}``).
        schema: label schema name or object (``native`` or ``unified``).
        unit: ``paragraph`` or ``document``: what one training sequence is.
        tag_scheme: ``BIO`` or ``BIOES``.
        target: ``components`` (plain span labels) or ``structure`` (Eger et al.'s compound
            labels with stance and relation distance, decoded back into relations).
        splits: which corpus split feeds each stage, e.g. ``{train: train, val: dev, test: test}``.
        batch_size / max_tokens / num_workers / seed: batching.
        limit_documents: keep only the first N documents of each split (smoke tests).
        dev_fraction / test_fraction / dev_seed: for corpora without an official dev (or test)
            split, hold out this fraction of the training documents, seeded and grouped by
            ``metadata["duplicate_group"]`` so duplicates never straddle splits. Official splits
            are never re-split: a fraction is only used when the corpus lacks that split.
        fold: cross-validation fold ``{train_ids: [...], test_ids: [...]}`` set by the CV driver;
            replaces the train/val documents (val = the fold's held-out documents).
        token_weights: training batches carry ``token_weight`` = their word count divided by
            ``batch_size`` x the mean words per training window, which a softmax head multiplies
            its token-mean loss by (see ``TaggingHead.loss``): every token weighs the same over
            an epoch, as with random batches, although batches are length-bucketed.
        bucket_factor: training batches are cut from length-sorted chunks of
            ``bucket_factor x batch_size`` shuffled windows: larger = less padding, smaller = more
            varied batch contents (see :class:`~argmine.data.sampling.BucketBatchSampler`).
        micro_batches: split each training batch into this many length-sorted micro-batches,
            each padded to its own longest window; the training step sums their losses weighted
            so the step's loss (and gradient) equals the whole batch's (``TaggerModule``). With
            ``bucket_factor=1`` (random batches) this keeps random-batch optimisation while
            computing on far less padding. 1 = off. Ignored by evaluation.
    """

    def __init__(
        self,
        corpus: str,
        root: str | None = None,
        reader: Mapping[str, Any] | None = None,
        schema: str | LabelSchema = "native",
        unit: str = "paragraph",
        tag_scheme: str = "BIO",
        target: str = "components",
        splits: Mapping[str, str] | None = None,
        batch_size: int = 32,
        eval_batch_size: int | None = None,
        max_tokens: int | None = None,
        num_workers: int = 0,
        seed: int = 0,
        limit_documents: int | None = None,
        dev_fraction: float | None = None,
        test_fraction: float | None = None,
        dev_seed: int = 13,
        fold: Mapping[str, Any] | None = None,
        token_weights: bool = True,
        bucket_factor: int = 50,
        micro_batches: int = 1,
    ) -> None:
        super().__init__()
        if bucket_factor < 1:
            raise ConfigError(f"data.bucket_factor must be >= 1, got {bucket_factor}")
        if micro_batches < 1:
            raise ConfigError(f"data.micro_batches must be >= 1, got {micro_batches}")
        if unit not in {"paragraph", "document"}:
            raise ConfigError(f"data.unit must be 'paragraph' or 'document', got {unit!r}")
        if target not in {"components", "structure"}:
            raise ConfigError(f"data.target must be 'components' or 'structure', got {target!r}")
        self.corpus_name = corpus
        self.root = root
        self.reader_options = dict(reader or {})
        self.schema = schema if isinstance(schema, LabelSchema) else load_schema(schema)
        self.unit = unit
        self.tag_scheme = tag_scheme
        self.target = target
        self.splits = dict(splits or {"train": "train", "val": "dev", "test": "test"})
        unknown = set(self.splits) - set(STAGES)
        if unknown:
            raise ConfigError(f"data.splits has unknown stage(s) {sorted(unknown)}; stages: {STAGES}")
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size or batch_size
        self.max_tokens = max_tokens
        self.num_workers = num_workers
        self.seed = seed
        self.limit_documents = limit_documents
        self.dev_fraction = dev_fraction
        self.test_fraction = test_fraction
        self.dev_seed = dev_seed
        self.fold = dict(fold) if fold else None
        self.bucket_factor = int(bucket_factor)
        self.micro_batches = int(micro_batches)
        self.token_weights = token_weights
        self._words_per_batch: float | None = None
        self.documents: dict[str, list[Document]] = {}
        self.records: dict[str, list[UnitRecord]] = {}
        self.tag_vocab: TagVocab | None = None
        self.featurizer: Any = None
        self.task = TaggingTask(unit=unit, target=target, tag_scheme=tag_scheme)
        self._prepared = False

    # -- step 1: read, map labels, build units and tags ----------------------------------------
    def prepare_corpus(self) -> None:
        """Read the corpus, apply the schema, build units and gold tags, and the tag vocabulary."""
        if self._prepared:
            return
        self.documents = stage_documents(
            self.corpus_name, self.root, self.reader_options, self.schema, self.splits,
            fold=self.fold, dev_fraction=self.dev_fraction, test_fraction=self.test_fraction,
            dev_seed=self.dev_seed, limit_documents=self.limit_documents,
        )  # fmt: skip
        for stage, docs in self.documents.items():
            self.records[stage] = [
                UnitRecord(i, enc.unit, enc.tags or []) for i, doc in enumerate(docs) for enc in self.task.encode(doc)
            ]
        self.tag_vocab = self.task.build_vocab(self._labels_in_records(), list(self.schema.span_labels or []))
        self._prepared = True

    def present_labels(self) -> list[str]:
        """The span labels that occur in the gold tags of any stage (sorted); the tag
        vocabulary may also hold schema labels that no document uses."""
        self.prepare_corpus()
        return self._labels_in_records()

    def _labels_in_records(self) -> list[str]:
        return sorted({t[2:] for recs in self.records.values() for r in recs for t in r.tags if t != "O"})

    def model_inputs(self) -> dict[str, Any]:
        """Data-derived model arguments, passed to the model by code (never typed in config)."""
        self.prepare_corpus()
        return {"tag_vocab": self.tag_vocab, "target": self.target, "native_types": self.native_types()}

    def native_types(self) -> dict[str, Any] | None:
        """How the schema's labels map back to the corpus's own types (``{"schema": name,
        "labels": {label: [native label, attributes]}}``), so C-F1 and R-F1 can be scored the
        papers' way; ``None`` for the native schema or a mapping that cannot be inverted."""
        labels = self.schema.native_labels(self.corpus_name)
        if not labels:
            return None
        return {"schema": self.schema.name, "labels": {k: [n, a] for k, (n, a) in labels.items()}}

    def train_words(self) -> list[list[str]]:
        """Word strings of every training unit (to fit vocabularies)."""
        return self.words("train")

    def words(self, stage: str) -> list[list[str]]:
        """Word strings of every unit of ``stage`` (none if the stage has no data)."""
        self.prepare_corpus()
        docs = self.documents.get(stage, [])
        return [rec.unit.token_texts(docs[rec.doc_index].text) for rec in self.records.get(stage, [])]

    # -- step 2: featurize once ------------------------------------------------------------------
    def attach_featurizer(self, featurizer: Any) -> None:
        """Encode every unit with the model's featurizer (once; cached across epochs)."""
        self.prepare_corpus()
        self.featurizer = featurizer
        for stage, recs in self.records.items():
            docs = self.documents[stage]
            for rec in recs:
                rec.windows = featurize_unit(featurizer, docs[rec.doc_index].text, rec.unit)
        self.task.featurizer = featurizer

    # -- dataloaders -------------------------------------------------------------------------------
    def setup(self, stage: str | None = None) -> None:
        self.prepare_corpus()
        if self.featurizer is None:
            raise ConfigError("ArgumentDataModule.attach_featurizer(featurizer) must be called before setup")

    def _loader(self, stage: str, shuffle: bool) -> DataLoader:
        if stage not in self.records:
            raise ConfigError(f"no data for stage {stage!r}: data.splits is {self.splits}")
        recs = self.records[stage]
        items = [(ri, wi) for ri, rec in enumerate(recs) for wi in range(len(rec.windows))]
        lengths = [window_length(recs[ri].windows[wi]) for ri, wi in items]
        if stage == "train" and self.token_weights and items:
            words = sum(window_words(recs[ri].windows[wi]) for ri, wi in items)
            self._words_per_batch = self.batch_size * words / len(items)
        return DataLoader(
            _WindowDataset(items),
            batch_sampler=self.batch_sampler(stage, items, lengths, shuffle),
            collate_fn=lambda batch: self.collate(stage, batch),
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
        )

    def batch_sampler(self, stage: str, items: list[tuple[int, int]], lengths: list[int],
                      shuffle: bool) -> Sampler[list[int]]:
        """The batches of a stage's windows ``items`` (``(record, window)``): length-bucketed."""
        rank, world = (self.trainer.global_rank, self.trainer.world_size) if self.trainer else (0, 1)
        return BucketBatchSampler(
            lengths, self.batch_size if shuffle else self.eval_batch_size, shuffle=shuffle, seed=self.seed,
            max_tokens=self.max_tokens, bucket_factor=self.bucket_factor, rank=rank, world_size=world,
            drop_uneven=shuffle,
        )

    def collate(self, stage: str, batch: Sequence[tuple[int, int]]) -> dict[str, Any]:
        if stage == "train" and self.micro_batches > 1 and len(batch) > 1:
            return self._collate_micro(batch)
        out = self._collate_windows(stage, batch)
        windows = out.pop("_windows")
        if stage == "train" and self._words_per_batch:
            out["token_weight"] = sum(map(window_words, windows)) / self._words_per_batch
        return out

    def _collate_windows(self, stage: str, batch: Sequence[tuple[int, int]]) -> dict[str, Any]:
        recs = self.records[stage]
        windows, tags = [], []
        assert self.tag_vocab is not None
        for ri, wi in batch:
            window = recs[ri].windows[wi]
            first, last = window["word_range"]
            windows.append(window)
            rec = recs[ri]
            if rec.tag_ids is None:
                rec.tag_ids = [self.tag_vocab.tag_to_id[t] for t in rec.tags]
            tags.append(rec.tag_ids[first:last])
        out = self.featurizer.collate(windows, tags)
        out["unit_index"] = [ri for ri, _ in batch]
        out["word_range"] = [recs[ri].windows[wi]["word_range"] for ri, wi in batch]
        out["_windows"] = windows
        return out

    def _collate_micro(self, batch: Sequence[tuple[int, int]]) -> dict[str, Any]:
        """A training batch as ``micro_batches`` length-sorted parts, each padded on its own.

        Part ``m`` carries ``loss_share`` = its rows / the batch's rows (the training step sums
        ``loss_share * loss``: a row mean, as the CRF's, comes out as the batch's row mean) and
        ``token_weight`` = its words x the batch's rows / (its rows x W), W = the words of an
        average batch (``token_weights``) or of this batch: a softmax token mean then sums to
        the batch's token sum / W, exactly the loss of the unsplit batch.
        """
        recs = self.records["train"]
        order = sorted(batch, key=lambda item: window_length(recs[item[0]].windows[item[1]]))
        k = min(self.micro_batches, len(order))
        parts = [self._collate_windows("train", order[m * len(order) // k : (m + 1) * len(order) // k])
                 for m in range(k)]
        words = [sum(map(window_words, p.pop("_windows"))) for p in parts]
        reference = self._words_per_batch or sum(words)
        for part, n_words in zip(parts, words, strict=True):
            rows = len(part["unit_index"])
            part["loss_share"] = rows / len(order)
            part["token_weight"] = n_words * len(order) / (rows * reference)
        return {
            "micro_batches": parts,
            "unit_index": [ri for p in parts for ri in p["unit_index"]],
            "word_range": [wr for p in parts for wr in p["word_range"]],
        }

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)


def stage_documents(
    corpus_name: str,
    root: str | None,
    reader_options: Mapping[str, Any],
    schema: LabelSchema,
    splits: Mapping[str, str],
    *,
    fold: Mapping[str, Any] | None = None,
    dev_fraction: float | None = None,
    test_fraction: float | None = None,
    dev_seed: int = 13,
    limit_documents: int | None = None,
) -> dict[str, list[Document]]:
    """Read a corpus and return the schema-mapped documents of each stage (``splits`` maps a
    stage to a corpus split). Shared by every data module."""
    corpus = load_corpus(corpus_name, root, **reader_options)
    schema.check_mapped(corpus.documents, corpus_name)  # every unmapped label in one error
    by_split = split_documents(corpus, fold, dev_fraction, test_fraction, dev_seed)
    out: dict[str, list[Document]] = {}
    for stage, split in splits.items():
        if split not in by_split:
            raise ConfigError(
                f"data.splits.{stage}={split!r}: corpus {corpus_name!r} has splits {sorted(by_split)}; "
                "set data.dev_fraction/test_fraction to hold out part of train"
            )
        docs = [schema.apply(d, corpus=corpus_name) for d in by_split[split]]
        out[stage] = docs[:limit_documents] if limit_documents else docs
    return out


def split_documents(
corpus: Corpus,
fold: Mapping[str, Any] | None = None,
dev_fraction: float | None = None,
test_fraction: float | None = None,
dev_seed: int = 13,
) -> dict[str, list[Document]]:
    """Documents per split name: official splits, plus seeded held-out parts when asked."""
    by_split: dict[str, list[Document]] = {}
    for doc in corpus.documents:
        by_split.setdefault(doc.split or "train", []).append(doc)
    if fold is not None:
        pool = {d.id: d for docs in by_split.values() for d in docs}
        train_ids, test_ids = fold["train_ids"], fold["test_ids"]
        by_split = {
            "train": [pool[i] for i in train_ids],
            "dev": [pool[i] for i in test_ids],
            "test": by_split.get("test", [pool[i] for i in test_ids]),
        }
        return by_split
    for name, fraction in (("test", test_fraction), ("dev", dev_fraction)):
        if fraction and name not in by_split:
            by_split["train"], by_split[name] = hold_out(by_split.get("train", []), fraction, dev_seed)
    return by_split


def group_of(doc: Document) -> str:
    """The duplicate group of a document (documents with identical text share one)."""
    return str(doc.metadata.get("duplicate_group", doc.id))


def hold_out(docs: list[Document], fraction: float, seed: int) -> tuple[list[Document], list[Document]]:
    """Split ``docs`` into (kept, held out) with about ``fraction`` held out, by duplicate group,
    deterministically for a seed. Document order inside each part is preserved."""
    if not 0 < fraction < 1:
        raise ConfigError(f"a held-out fraction must be between 0 and 1, got {fraction}")
    groups = sorted({group_of(d) for d in docs})
    random.Random(seed).shuffle(groups)
    n_out = max(1, round(len(groups) * fraction))
    out = set(groups[:n_out])
    return [d for d in docs if group_of(d) not in out], [d for d in docs if group_of(d) in out]


def window_words(window: Mapping[str, Any]) -> int:
    """Words (tagged positions) of a window."""
    first, last = window["word_range"]
    return last - first


def window_length(window: Mapping[str, Any]) -> int:
    """Cost of a window for bucketing: sub-word count if present, else word count."""
    if "input_ids" in window:
        return len(window["input_ids"])
    return window_words(window)
