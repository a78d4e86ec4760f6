"""Malformed CoNLL input: one clear CorpusFormatError naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from argmine.corpora.conll import load_aae2_conll
from argmine.errors import CorpusFormatError


def _write(root: Path, rows: list[str], level: str = "Paragraph_Level") -> Path:
    folder = root / level
    folder.mkdir(parents=True)
    path = folder / "train.dat"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


GOOD = [
    "1\tCats\t_\t_\tO", "2\trule\t_\t_\tO", "",
    "1\tCats\t_\t_\tB-MajorClaim", "2\trule\t_\t_\tI-MajorClaim", "3\t.\t_\t_\tO",
    "4\tPurring\t_\t_\tB-Premise:1:Support", "5\tso\t_\t_\tO",
    "6\tthey\t_\t_\tB-Claim:For", "7\twin\t_\t_\tI-Claim:For", "", "",
]


def test_good_paragraph_file(tmp_path):
    _write(tmp_path, GOOD)
    corpus = load_aae2_conll(tmp_path, level="paragraph")
    (doc,) = corpus.documents
    assert doc.id == "train_000" and doc.split == "train"
    assert doc.text == "Cats rule\nCats rule . Purring so they win"
    assert [(doc.span_text(s), s.label) for s in doc.spans] == [
        ("Cats rule", "MajorClaim"), ("Purring", "Premise"), ("they win", "Claim")
    ]
    assert doc.spans[2].attributes == {"stance": "For"}
    (rel,) = doc.relations
    assert (rel.source, rel.target, rel.label) == ("T2", "T3", "Support")
    assert [p.label for p in doc.partitions["paragraphs"]] == ["title", "paragraph"]


def test_essay_level_takes_paragraphs_from_paragraph_file(tmp_path):
    _write(tmp_path, GOOD)
    essay_rows = [r for r in GOOD if r]
    essay_rows = [f"{i}\t{r.split(chr(9), 1)[1]}" for i, r in enumerate(essay_rows, 1)] + [""]
    # in the essay-level file the link offset counts components in the whole essay (same here)
    _write(tmp_path, essay_rows, level="Essay_Level")
    doc = load_aae2_conll(tmp_path, level="essay").documents[0]
    assert doc.text == "Cats rule\nCats rule . Purring so they win"


@pytest.mark.parametrize(
    "bad_row,message",
    [
        ("4\tThey\t_\tB-Premise:1:Support", "expected 5 TAB-separated columns, found 4"),
        ("4\tThey\t_\t_\tB-Premise:one:Support", "does not match the Eger et al. grammar"),
        ("4\tThey\t_\t_\tB-Claim:Maybe", "does not match the Eger et al. grammar"),
        ("x\tThey\t_\t_\tO", "is not a positive integer"),
        ("9\tThey\t_\t_\tO", "token index 9 where 4 was expected"),
        ("4\tThey\t_\t_\tB-Premise:5:Support", "offset +5 from component 2 of 3 points outside its paragraph"),
        ("4\tThey\t_\t_\tB-Premise:-2:Attack", "offset -2 from component 2 of 3 points outside"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path, bad_row, message):
    rows = list(GOOD)
    rows[6] = bad_row  # file line 7
    path = _write(tmp_path, rows)
    with pytest.raises(CorpusFormatError) as info:
        load_aae2_conll(tmp_path, level="paragraph")
    assert str(info.value).startswith(f"{path}:7: error: ")
    assert message in str(info.value)


def test_i_without_b_is_a_warning(tmp_path):
    rows = list(GOOD)
    rows[3] = "1\tCats\t_\t_\tI-MajorClaim"
    path = _write(tmp_path, rows)
    corpus = load_aae2_conll(tmp_path, level="paragraph")
    assert len(corpus.documents[0].spans) == 3
    (warning,) = corpus.warnings
    assert (warning.path, warning.line) == (str(path), 4)


def test_lenient_mode_collects_every_error(tmp_path):
    rows = list(GOOD)
    rows[0] = "1\tCats\t_\t_"
    rows[6] = "4\tThey\t_\t_\tB-Premise:5:Support"
    _write(tmp_path, rows)
    with pytest.raises(CorpusFormatError) as info:
        load_aae2_conll(tmp_path, level="paragraph", strict=False)
    assert [p.line for p in info.value.problems] == [1, 7]
    assert str(info.value).startswith("2 problems found:")


def test_undecodable_line_is_named(tmp_path):
    path = _write(tmp_path, GOOD)
    data = path.read_bytes().replace(b"purr", b"Purring").replace(b"Purring", b"Purr\xffing")
    path.write_bytes(data)
    with pytest.raises(CorpusFormatError) as info:
        load_aae2_conll(tmp_path, level="paragraph")
    assert str(info.value).startswith(f"{path}:7: error: cannot decode as utf-8")
    corpus = load_aae2_conll(tmp_path, level="paragraph", encoding="latin-1")
    assert "Purr\xffing" in corpus.documents[0].text
