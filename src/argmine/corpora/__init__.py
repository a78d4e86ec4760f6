"""Corpus readers and the registry of named corpora.

``load_corpus(name, root=None, **options)`` returns a :class:`Corpus` whose documents carry
their official split. Readers are imported lazily so that ``argmine data`` commands stay fast
(no torch import).
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argmine.documents import Document
from argmine.errors import ArgmineError, ConfigError, CorpusNotFoundError, Problem


@dataclass
class Corpus:
    """Documents of one corpus, each with its ``split``, plus the warnings found while reading."""

    name: str
    documents: list[Document]
    problems: list[Problem] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def split(self, name: str) -> list[Document]:
        """Documents of one split; raises ``ArgmineError`` naming the available splits if absent."""
        docs = [d for d in self.documents if d.split == name]
        if not docs:
            raise ArgmineError(
                f"corpus {self.name!r} has no split {name!r}; available: {sorted(self.splits)}"
            )
        return docs

    @property
    def splits(self) -> dict[str, int]:
        """Number of documents per split, in first-seen order."""
        counts: dict[str, int] = {}
        for doc in self.documents:
            counts[doc.split or "none"] = counts.get(doc.split or "none", 0) + 1
        return counts

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


@dataclass(frozen=True)
class CorpusSpec:
    """How to find and read one named corpus."""

    name: str
    folder: str  # folder name under ARGMINE_DATA_DIR (same as ../shared/corpora)
    loader: str  # "module:function", imported lazily; called as fn(root, **options)
    description: str
    how_to_obtain: str
    license: str
    bundled: bool = False  # ships inside the package (the sample corpus)


CORPORA: dict[str, CorpusSpec] = {
    "aae2": CorpusSpec(
        "aae2",
        "aae2",
        "argmine.corpora.aae2:load_aae2",
        "Argument Annotated Essays v2 (Stab & Gurevych 2017), brat standoff",
        "Request it from UKP's license-gated page "
        "https://tudatalib.ulb.tu-darmstadt.de/handle/tudatalib/2422 (ArgumentAnnotatedEssays-2.0), "
        "unzip brat-project-final.zip into the folder, next to train-test-split.csv",
        "UKP research-only license, no redistribution",
    ),
    "aae2_conll": CorpusSpec(
        "aae2_conll",
        "aae2_conll_eger2017",
        "argmine.corpora.conll:load_aae2_conll",
        "AAE v2 in the CoNLL/BIO format of Eger et al. 2017 (essay or paragraph level)",
        "Clone https://github.com/UKPLab/acl2017-neural_end2end_am and copy data/conll/ "
        "(Essay_Level/, Paragraph_Level/) into the folder",
        "UKP research-only license (same as AAE v2)",
    ),
    "microtexts": CorpusSpec(
        "microtexts",
        "arg_microtexts",
        "argmine.corpora.microtexts:load_microtexts",
        "arg-microtexts part 1 (Peldszus & Stede 2015) and part 2 (Skeppstedt et al. 2018), XML",
        "Clone https://github.com/peldszus/arg-microtexts into <folder>/part1 and "
        "https://github.com/discourse-lab/arg-microtexts-part2 into <folder>/part2, "
        "or run `argmine data download microtexts --part 1 --sha256 HEX` (and `--part 2`) with the sha256 "
        "of archives you trust (argmine has no pinned checksums for them)",
        "CC BY-NC-SA 4.0",
    ),
    "abstrct": CorpusSpec(
        "abstrct",
        "abstrct",
        "argmine.corpora.abstrct:load_abstrct",
        "AbstRCT (Mayer et al. 2020), brat standoff: neoplasm train/dev/test, glaucoma and mixed test",
        "Clone https://gitlab.com/tomaye/abstrct and copy AbstRCT_corpus/ into the folder",
        "CC BY-NC-SA 4.0",
    ),
    "cdcp": CorpusSpec(
        "cdcp",
        "cdcp",
        "argmine.corpora.cdcp:load_cdcp",
        "CDCP / Cornell eRulemaking Corpus (Park & Cardie 2018), JSON",
        "Download cdcp_acl17.zip (Niculae et al. 2017, https://facultystaff.richmond.edu/~jpark/data/cdcp_acl17.zip) "
        "and unzip it so that train/ and test/ are in the folder, or run `argmine data download cdcp --sha256 HEX` "
        "with the sha256 of an archive you trust (argmine has no pinned checksum for it)",
        "ODbL 1.0 + DbCL",
    ),
    "persuade": CorpusSpec(
        "persuade",
        "persuade",
        "argmine.corpora.persuade:load_persuade",
        "Feedback Prize / PERSUADE essays, CSV with discourse annotations",
        "Download the Feedback Prize 2021 data from Kaggle (train.csv and train/*.txt) "
        "or PERSUADE 2.0 from https://github.com/scrosseye/persuade_corpus_2.0 into the folder",
        "CC BY-NC-SA 4.0",
    ),
    "sample": CorpusSpec(
        "sample",
        "sample",
        "argmine.corpora.sample:load_sample",
        "argmine's bundled sample corpus: short argumentative texts written for this project",
        "Ships with argmine; nothing to obtain",
        "Apache-2.0 (written for argmine)",
        bundled=True,
    ),
}


def data_dir() -> Path:
    """``$ARGMINE_DATA_DIR``, default the repository's ``data/`` folder."""
    env = os.environ.get("ARGMINE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[3] / "data"


def get_spec(name: str) -> CorpusSpec:
    try:
        return CORPORA[name]
    except KeyError:
        raise ArgmineError(f"unknown corpus {name!r}; known corpora: {', '.join(CORPORA)}") from None


def corpus_root(name: str, root: str | Path | None = None) -> Path:
    """Where corpus ``name`` lives: ``root`` if given, else ``$ARGMINE_DATA_DIR/<folder>``.

    Raises :class:`CorpusNotFoundError` saying where it looked and how to obtain the corpus.
    """
    spec = get_spec(name)
    if spec.bundled and root is None:
        return Path(__file__).resolve().parent.parent / "resources" / "sample"
    path = Path(root).expanduser() if root is not None else data_dir() / spec.folder
    if not path.is_dir():
        how = "point data.root= (argmine train/eval) or --root (argmine data) at its folder" if root is not None else (
            f"set ARGMINE_DATA_DIR to the folder that holds {spec.folder}/, or point data.root= "
            "(argmine train/eval) or --root (argmine data) at the corpus folder"
        )
        raise CorpusNotFoundError(
            f"corpus {name!r} not found: looked in {path}. To get it: {spec.how_to_obtain}. "
            f"Then {how}. License: {spec.license}."
        )
    return path


def load_corpus(name: str, root: str | Path | None = None, **options: Any) -> Corpus:
    """Read a named corpus. ``options`` go to the reader (e.g. ``level="paragraph"``, ``strict=False``)."""
    spec = get_spec(name)
    path = corpus_root(name, root)
    module_name, func_name = spec.loader.split(":")
    loader: Callable[..., Corpus] = getattr(importlib.import_module(module_name), func_name)
    accepted = inspect.signature(loader).parameters
    unknown = sorted(set(options) - set(accepted))
    if unknown and not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        raise ConfigError(  # the first parameter is the corpus folder, not an option
            f"data.reader: the {name!r} reader has no option(s) {unknown}; its options: {list(accepted)[1:]}"
        )
    return loader(path, **options)
