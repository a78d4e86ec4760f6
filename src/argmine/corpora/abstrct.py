"""AbstRCT (Mayer et al. 2020): RCT abstracts in brat standoff.

Layout under ``root``: ``AbstRCT_corpus/data/{train/neoplasm_train, dev/neoplasm_dev,
test/neoplasm_test, test/glaucoma_test, test/mixed_test}/PMID.{txt,ann}``.

Document ids are the PubMed ids (file stems). They are unique within a split but not across
splits: 20 ``mixed_test`` abstracts are byte-identical copies of ``neoplasm_test`` ones and 11
of ``glaucoma_test`` ones; ``metadata["also_in"]`` lists the other splits holding the same
abstract. Some glaucoma files start with a UTF-8 byte order mark that brat counted as a
character, so it stays in the text (U+FEFF at offset 0) and offsets stay exact.
Paragraph partitions are the non-blank lines (most abstracts are one line; structured ones
have one line per section).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from argmine.corpora import Corpus
from argmine.corpora.brat import paragraph_partition, raise_if_errors, read_brat_folder
from argmine.errors import CorpusNotFoundError, Problem

LABELS = ("MajorClaim", "Claim", "Premise")
RELATION_LABELS = ("Support", "Attack", "Partial-Attack")

#: split name -> (folder under AbstRCT_corpus/data, disease)
SUBSETS = {
    "train": ("train/neoplasm_train", "neoplasm"),
    "dev": ("dev/neoplasm_dev", "neoplasm"),
    "test": ("test/neoplasm_test", "neoplasm"),
    "glaucoma_test": ("test/glaucoma_test", "glaucoma"),
    "mixed_test": ("test/mixed_test", "mixed"),
}

KNOWN_QUIRKS = {
    "22835512.ann": "T7 starts one character late ('ower' for 'lower'); found by argmine's check",
}


def load_abstrct(root: str | Path, *, strict: bool = True, encoding: str = "utf-8") -> Corpus:
    """Read the five AbstRCT subsets; splits ``train``, ``dev``, ``test`` (neoplasm),
    ``glaucoma_test`` and ``mixed_test``. ``metadata["disease"]`` is ``neoplasm``,
    ``glaucoma`` or ``mixed`` (the subset the file is in)."""
    root = Path(root)
    data = root / "AbstRCT_corpus" / "data"
    folders = {split: data / sub for split, (sub, _) in SUBSETS.items()}
    absent = [str(p) for p in folders.values() if not p.is_dir()]
    if absent:
        raise CorpusNotFoundError(
            f"AbstRCT: folders not found: {absent}; copy AbstRCT_corpus/ from "
            f"https://gitlab.com/tomaye/abstrct into {root}"
        )
    problems: list[Problem] = []
    documents = []
    texts: dict[tuple[str, str], list[str]] = {}
    for split, folder in folders.items():
        docs = read_brat_folder(
            folder,
            strict=strict,
            problems=problems,
            encoding=encoding,
            labels=LABELS,
            relation_labels=RELATION_LABELS,
            attributes={},
            known_quirks=KNOWN_QUIRKS,
            paragraphs=partial(paragraph_partition, title_first_line=False),
            split=split,
        )
        for doc in docs:
            doc.metadata.update({"pmid": doc.id, "disease": SUBSETS[split][1], "subset": SUBSETS[split][0]})
            texts.setdefault((doc.id, doc.text), []).append(split)
        documents.extend(docs)
    raise_if_errors(problems)
    for doc in documents:
        doc.metadata["also_in"] = [s for s in texts[(doc.id, doc.text)] if s != doc.split]
    return Corpus("abstrct", documents, problems, metadata={"root": str(root)})
