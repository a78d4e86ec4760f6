"""load_aae2 on a tiny corpus written here (the real one is tested in tests/corpora)."""

from __future__ import annotations

from pathlib import Path

import pytest

from argmine.corpora.aae2 import load_aae2
from argmine.errors import ArgmineError, CorpusFormatError

TEXT = "Pets at home\n\nDogs help people. They lower stress.\n"


def make(tmp_path: Path, split_rows: str, anns: dict[str, str], texts: dict[str, str] | None = None) -> Path:
    brat = tmp_path / "brat-project-final"
    brat.mkdir()
    for essay_id, ann in anns.items():
        text = (texts or {}).get(essay_id, TEXT)
        (brat / f"{essay_id}.txt").write_text(text, encoding="utf-8", newline="")
        (brat / f"{essay_id}.ann").write_text(ann, encoding="utf-8", newline="")
    (tmp_path / "train-test-split.csv").write_bytes(split_rows.encode("utf-8"))
    return tmp_path


GOOD_ANN = (
    "T1\tClaim 14 30\tDogs help people\n"
    "A1\tStance T1 For\n"
    "T2\tPremise 32 49\tThey lower stress\n"
    "R1\tsupports Arg1:T2 Arg2:T1\t\n"
)


def test_reads_split_with_cr_and_crlf_endings(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        '"ID";"SET"\r"essay001";"TRAIN"\r\n"essay002";"TEST"\r',
        {"essay001": GOOD_ANN, "essay002": GOOD_ANN},
        {"essay002": TEXT.replace("home", "hall")},
    )
    corpus = load_aae2(root)
    assert corpus.splits == {"train": 1, "test": 1}
    doc = corpus.documents[0]
    assert [(p.label, doc.text[p.start:p.end]) for p in doc.partitions["paragraphs"]] == [
        ("title", "Pets at home"), ("paragraph", "Dogs help people. They lower stress.")
    ]
    assert doc.spans[0].attributes == {"stance": "For"}
    assert doc.metadata["duplicate_group"] == "essay001"
    assert corpus.problems == []


def test_duplicates_across_splits_are_refused(tmp_path: Path) -> None:
    root = make(
        tmp_path, '"ID";"SET"\r"essay001";"TRAIN"\r"essay002";"TEST"\r',
        {"essay001": GOOD_ANN, "essay002": GOOD_ANN},
    )
    with pytest.raises(ArgmineError, match=r"\['essay001', 'essay002'\] would be split across"):
        load_aae2(root)


def test_bad_split_row_names_line(tmp_path: Path) -> None:
    root = make(tmp_path, '"ID";"SET"\r"essay001";"DEV"\r', {"essay001": GOOD_ANN})
    with pytest.raises(CorpusFormatError, match=r"train-test-split.csv:2: error: expected"):
        load_aae2(root)


def test_aae2_rules_collected_when_not_strict(tmp_path: Path) -> None:
    ann = (
        "T1\tClaim 14 30\tDogs help people\n"
        "T2\tPremise 32 49\tThey lower stress\n"
        "A1\tStance T2 For\n"
        "R1\tsupports Arg1:T2 Arg2:T1\t\n"
        "R2\tcauses Arg1:T2 Arg2:T1\t\n"
    )
    root = make(tmp_path, '"ID";"SET"\r"essay001";"TRAIN"\r"essay009";"TRAIN"\r', {"essay001": ann})
    with pytest.raises(CorpusFormatError) as info:
        load_aae2(root, strict=False)
    messages = [(Path(p.path).name, p.line, p.message) for p in info.value.problems]
    assert [m[:2] for m in messages] == [
        ("essay001.ann", 3), ("essay001.ann", 5), ("essay001.ann", None), ("brat-project-final", None)
    ]
    assert "allowed only on ['Claim']" in messages[0][2]
    assert "unknown relation label 'causes'" in messages[1][2]
    assert "Claim T1 has no Stance" in messages[2][2]
    assert "['essay009']" in messages[3][2]
