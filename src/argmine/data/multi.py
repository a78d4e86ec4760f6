"""Several corpora, one label schema, one model: :class:`MultiCorpusDataModule` (``data=multi``).

Each corpus is read with its own reader options, splits and unit (``sources``; the entries of
``configs/data/multi.yaml`` are those of each corpus's own data config), mapped through one
schema (default ``unified``) by :func:`~argmine.data.datamodule.stage_documents`, and its units
joined into one data set per stage. Nothing is re-split: a corpus keeps its official splits, or
the seeded hold-out its data config records where it has none (microtexts, CDCP's dev). Every
unit record knows its corpus (``UnitRecord.corpus``), every document too
(``metadata["corpus"]``).

Training batches come from a :class:`~argmine.data.sampling.CorpusBatchSampler`: each corpus
drawn ``proportional`` to its training windows (default), ``uniform`` or by ``temperature``
(p_c ∝ n_c^(1/T)), batches mixing corpora, an epoch as many draws as there are training
windows. The model gets the corpus names by code (``model_inputs()["corpus_names"]``) and
scores val/test per corpus (``val/<corpus>/c_f1_exact``) and as their unweighted mean
(``val/macro/c_f1_exact``). Everything else (featurizing, collation, micro-batches, token
weights, evaluation batches) is :class:`~argmine.data.datamodule.ArgumentDataModule`'s.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from torch.utils.data import Sampler

from argmine.corpora import CORPORA, corpus_root
from argmine.data.datamodule import STAGES, ArgumentDataModule, UnitRecord, stage_documents
from argmine.data.sampling import SAMPLING, CorpusBatchSampler, corpus_probabilities
from argmine.documents import Document
from argmine.errors import ConfigError, CorpusNotFoundError
from argmine.schema import LabelSchema
from argmine.tasks import TaggingTask, featurize_unit, takes_marker

log = logging.getLogger(__name__)

#: what a ``sources`` entry may set (the per-corpus keys of a data config)
SOURCE_KEYS = ("corpus", "root", "reader", "unit", "splits", "dev_fraction", "test_fraction", "dev_seed")
#: ``data.corpus_marker``: ``token`` starts every window with the unit's corpus as a text segment
MARKERS = ("none", "token")
_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Source:
    """One corpus of multi-corpus data: ``name`` (in metric names), the registry ``corpus`` it
    reads, and how (the keys of a single-corpus data config)."""

    name: str
    corpus: str
    root: str | None = None
    reader: dict[str, Any] = field(default_factory=dict)
    unit: str = "paragraph"
    splits: dict[str, str] = field(default_factory=lambda: {"train": "train", "val": "dev", "test": "test"})
    dev_fraction: float | None = None
    test_fraction: float | None = None
    dev_seed: int = 13


def make_source(name: str, settings: Mapping[str, Any] | None) -> Source:
    """The :class:`Source` of ``data.sources.<name>`` (``None``: a registered corpus read with
    the defaults); a bad key, corpus, unit or stage is a :class:`ConfigError` naming it."""
    where = f"data.sources.{name}"
    settings = dict(settings or {})
    unknown = sorted(set(settings) - set(SOURCE_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; a source sets {list(SOURCE_KEYS)}")
    corpus = settings.pop("corpus", None) or name
    if corpus not in CORPORA:
        raise ConfigError(f"{where}: {corpus!r} is not a registered corpus (known: {', '.join(CORPORA)}); "
                          f"set {where}.corpus to one")
    if settings.get("unit", "paragraph") not in {"paragraph", "document"}:
        raise ConfigError(f"{where}.unit must be 'paragraph' or 'document', got {settings['unit']!r}")
    bad = sorted(set(settings.get("splits") or {}) - set(STAGES))
    if bad:
        raise ConfigError(f"{where}.splits has unknown stage(s) {bad}; stages: {STAGES}")
    settings["reader"] = dict(settings.get("reader") or {})
    if settings.get("splits") is not None:
        settings["splits"] = dict(settings["splits"])
    return Source(name, corpus, **{k: v for k, v in settings.items() if v is not None})


class MultiCorpusDataModule(ArgumentDataModule):
    """Units of several corpora through one schema, for one tagger.

    Args:
        corpora: the corpora to combine, by name: a key of ``sources`` or a registered corpus
            (read with the defaults). Names are lower case (``[a-z][a-z0-9_]*``), not ``macro``.
        sources: per corpus ``{corpus, root, reader, unit, splits, dev_fraction, test_fraction,
            dev_seed}`` as in a single-corpus data config; ``corpus`` (default: the name) is the
            registry corpus read, so two sources may read one corpus from two folders.
        corpus: a label for run names and the export (``${data.corpus}_${model.name}``).
        sampling: ``proportional`` | ``uniform`` | ``temperature`` (:func:`corpus_probabilities`).
        temperature: T of ``temperature`` sampling (> 0; 1 = proportional, large = uniform).
        corpus_marker: ``none`` | ``token``: start every window with its corpus's name as a text
            segment (sub-word featurizers only; the word featurizer raises a ConfigError).
        Other arguments: as :class:`ArgumentDataModule` (``limit_documents`` per corpus).
    """

    def __init__(
        self,
        corpora: Sequence[str],
        sources: Mapping[str, Mapping[str, Any] | None] | None = None,
        corpus: str = "multi",
        schema: str | LabelSchema = "unified",
        tag_scheme: str = "BIO",
        target: str = "components",
        sampling: str = "proportional",
        temperature: float = 2.0,
        corpus_marker: str = "none",
        batch_size: int = 32,
        eval_batch_size: int | None = None,
        max_tokens: int | None = None,
        num_workers: int = 0,
        seed: int = 0,
        limit_documents: int | None = None,
        token_weights: bool = True,
        bucket_factor: int = 50,
        micro_batches: int = 1,
    ) -> None:
        super().__init__(
            corpus, schema=schema, tag_scheme=tag_scheme, target=target, batch_size=batch_size,
            eval_batch_size=eval_batch_size, max_tokens=max_tokens, num_workers=num_workers, seed=seed,
            limit_documents=limit_documents, token_weights=token_weights, bucket_factor=bucket_factor,
            micro_batches=micro_batches,
        )
        names = [corpora] if isinstance(corpora, str) else list(corpora)
        if not names:
            raise ConfigError("data.corpora is empty; name the corpora to combine, e.g. data.corpora=[sample,cdcp]")
        repeated = sorted(n for n, k in Counter(names).items() if k > 1)
        odd = [n for n in names if not _NAME.fullmatch(str(n)) or n == "macro"]
        if repeated or odd:
            raise ConfigError(f"data.corpora={names}: " + "; ".join(
                ([f"named twice: {repeated}"] if repeated else [])
                + ([f"{odd} are not lower-case names ([a-z][a-z0-9_]*, not 'macro')"] if odd else [])))
        sources = dict(sources or {})
        unknown = [n for n in names if n not in sources and n not in CORPORA]
        if unknown:
            raise ConfigError(
                f"data.corpora: {unknown} are neither data.sources entries ({sorted(sources)}) nor registered corpora "
                f"({', '.join(CORPORA)}); add one as +data.sources.NAME={{corpus: CORPUS, root: FOLDER}}"
            )
        self.sources = [make_source(n, sources.get(n)) for n in names]
        if sampling not in SAMPLING:
            raise ConfigError(f"data.sampling must be one of {list(SAMPLING)}, got {sampling!r}")
        if not temperature > 0:
            raise ConfigError(f"data.temperature must be > 0, got {temperature}")
        if corpus_marker not in MARKERS:
            raise ConfigError(f"data.corpus_marker must be one of {list(MARKERS)}, got {corpus_marker!r}")
        self.sampling, self.temperature, self.corpus_marker = sampling, float(temperature), corpus_marker

    @property
    def corpus_names(self) -> list[str]:
        return [s.name for s in self.sources]

    # -- read every corpus ------------------------------------------------------------------------
    def check_found(self) -> None:
        """Every corpus's folder exists, else ONE :class:`CorpusNotFoundError` naming each missing
        corpus and where it was looked for (before any corpus is read)."""
        missing = []
        for source in self.sources:
            try:
                corpus_root(source.corpus, source.root)
            except CorpusNotFoundError as exc:
                missing.append(f"[{source.name}] {exc}")
        if missing:
            raise CorpusNotFoundError(
                f"data.corpora={self.corpus_names}: {len(missing)} of {len(self.sources)} corpora not found "
                "(with data=multi one corpus's folder is data.sources.NAME.root): " + " ".join(missing)
            )

    def prepare_corpus(self) -> None:
        """Read every corpus (its own reader options, splits and unit), map it through the
        schema, and join the units of each stage; then the tag vocabulary of all of them."""
        if self._prepared:
            return
        self.check_found()
        for source in self.sources:
            staged = stage_documents(
                source.corpus, source.root, source.reader, self.schema, source.splits,
                dev_fraction=source.dev_fraction, test_fraction=source.test_fraction, dev_seed=source.dev_seed,
                limit_documents=self.limit_documents,
            )
            task = TaggingTask(unit=source.unit, target=self.target, tag_scheme=self.tag_scheme)
            for stage, docs in staged.items():
                self._add(stage, source.name, docs, task)
        self.tag_vocab = self.task.build_vocab(self._labels_in_records(), list(self.schema.span_labels or []))
        self._prepared = True
        for stage, recs in self.records.items():
            sizes = Counter(r.corpus for r in recs)
            log.info("%s units by corpus: %s", stage, ", ".join(f"{c} {sizes[c]}" for c in self.corpus_names))

    def _add(self, stage: str, name: str, docs: list[Document], task: TaggingTask) -> None:
        stage_docs = self.documents.setdefault(stage, [])
        records = self.records.setdefault(stage, [])
        for doc in docs:
            doc = doc.replace(metadata={**doc.metadata, "corpus": name})
            records.extend(UnitRecord(len(stage_docs), enc.unit, enc.tags or [], corpus=name)
                           for enc in task.encode(doc))
            stage_docs.append(doc)

    def model_inputs(self) -> dict[str, Any]:
        """The single-corpus inputs plus the corpus names (per-corpus val/test scores)."""
        return {**super().model_inputs(), "corpus_names": self.corpus_names}

    def native_types(self) -> dict[str, Any] | None:
        """``None``: several corpora are scored on the schema's labels (their own types differ)."""
        return None

    # -- featurize (with the corpus marker) -------------------------------------------------------
    def attach_featurizer(self, featurizer: Any) -> None:
        if self.corpus_marker == "none":
            super().attach_featurizer(featurizer)
            return
        if not takes_marker(featurizer):
            raise ConfigError(
                f"data.corpus_marker=token needs a sub-word featurizer (model=transformer), which starts every window "
                f"with the corpus name as a text segment; {type(featurizer).__name__} has no such segment (its ids "
                "match the tagged words one to one). Use data.corpus_marker=none"
            )
        self.prepare_corpus()
        self.featurizer = featurizer
        for stage, recs in self.records.items():
            docs = self.documents[stage]
            for rec in recs:
                rec.windows = featurize_unit(featurizer, docs[rec.doc_index].text, rec.unit, marker=rec.corpus)
        self.task.featurizer = featurizer

    # -- training batches drawn per corpus ----------------------------------------------------------
    def sampling_probabilities(self, windows: Mapping[str, int] | None = None) -> dict[str, float]:
        """The probability of drawing each corpus in training (``windows``: training windows per
        corpus; default: counted from the prepared records)."""
        if windows is None:
            self.prepare_corpus()
            windows = Counter(r.corpus or "" for r in self.records.get("train", []) for _ in r.windows or [None])
        sizes = [int(windows.get(name, 0)) for name in self.corpus_names]
        return dict(zip(self.corpus_names, corpus_probabilities(sizes, self.sampling, self.temperature), strict=True))

    def batch_sampler(self, stage: str, items: list[tuple[int, int]], lengths: list[int],
                      shuffle: bool) -> Sampler[list[int]]:
        if stage != "train" or not shuffle:
            return super().batch_sampler(stage, items, lengths, shuffle)
        recs = self.records["train"]
        index = {name: i for i, name in enumerate(self.corpus_names)}
        corpus_of = [index[str(recs[ri].corpus)] for ri, _ in items]
        probabilities = self.sampling_probabilities(Counter(recs[ri].corpus or "" for ri, _ in items))
        log.info("training draws per corpus (%s): %s", self.sampling,
                 ", ".join(f"{c} {p:.3f}" for c, p in probabilities.items()))
        rank, world = (self.trainer.global_rank, self.trainer.world_size) if self.trainer else (0, 1)
        return CorpusBatchSampler(
            lengths, corpus_of, list(probabilities.values()), self.batch_size, seed=self.seed,
            max_tokens=self.max_tokens, bucket_factor=self.bucket_factor, rank=rank, world_size=world,
        )
