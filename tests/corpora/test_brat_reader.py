"""The brat standoff reader on small files written here (no corpus text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from argmine.corpora.brat import (
    AttributeRule,
    paragraph_partition,
    read_brat_document,
    read_brat_folder,
)
from argmine.errors import CorpusFormatError, Problem

TEXT = "Cats are great.\n\nThey purr and they sleep a lot, so they relax us.\n"
LABELS = ("Claim", "Premise")


def write(tmp_path: Path, ann: str, text: str = TEXT, name: str = "doc") -> Path:
    (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8", newline="")
    (tmp_path / f"{name}.ann").write_text(ann, encoding="utf-8", newline="")
    return tmp_path / f"{name}.txt"


def read(txt: Path, **kw) -> object:
    return read_brat_document(txt, labels=LABELS, relation_labels=("supports",), **kw)


def one_error(txt: Path, ann: str, tmp_path: Path) -> CorpusFormatError:
    with pytest.raises(CorpusFormatError) as info:
        read(write(tmp_path, ann))
    return info.value


def test_good_file(tmp_path: Path) -> None:
    ann = (
        "T1\tClaim 0 14\tCats are great\t\n"  # brat sometimes writes a trailing tab
        "T2\tPremise 17 26;31 41\tThey purr they sleep\n"
        "A1\tStance T1 For\n"
        "A2\tImportant T2\n"
        "R1\tsupports Arg1:T2 Arg2:T1\t\n"
        "#1\tAnnotatorNotes T1\ta note\n"
    )
    doc = read(write(tmp_path, ann))
    assert doc.id == "doc"
    t1, t2 = doc.spans
    assert (t1.start, t1.end, t1.label, t1.attributes) == (0, 14, "Claim", {"stance": "For"})
    assert t2.fragments == ((17, 26), (31, 41))
    assert (t2.start, t2.end) == (17, 41)
    assert doc.span_text(t2) == "They purr they sleep"
    assert t2.attributes == {"important": "true"}
    rel = doc.relations[0]
    assert (rel.source, rel.target, rel.label, rel.id) == ("T2", "T1", "supports", "R1")
    assert doc.metadata["brat_notes"] == [
        {"id": "#1", "type": "AnnotatorNotes", "target": "T1", "text": "a note"}
    ]


def test_crlf_text_keeps_offsets(tmp_path: Path) -> None:
    text = "Title\r\n\r\nFirst point here.\r\nSecond one.\r\n"
    # "First" starts at 9 because each \r\n counts two characters, as brat counts them.
    ann = "T1\tClaim 9 26\tFirst point here.\r\nT2\tPremise 28 39\tSecond one.\r\n"
    doc = read(write(tmp_path, ann, text))
    assert doc.text == text
    assert [doc.span_text(s) for s in doc.spans] == ["First point here.", "Second one."]
    parts = paragraph_partition(doc.text, title_first_line=True)
    assert [(p.label, doc.text[p.start:p.end]) for p in parts] == [
        ("title", "Title"), ("paragraph", "First point here."), ("paragraph", "Second one.")
    ]


def test_unicode_line_separator_inside_span_text(tmp_path: Path) -> None:
    text = "a\u2028b c"
    doc = read(write(tmp_path, "T1\tClaim 0 3\ta\u2028b\n", text))
    assert doc.span_text(doc.spans[0]) == "a\u2028b"


@pytest.mark.parametrize(
    ("ann", "line", "fragment"),
    [
        ("T1\tClaim 0 14\tCats are great\nT2\tClaim 20 10\tx\n", 2, "bad offsets 20 10"),
        ("T1\tClaim 0 999\tCats\n", 1, "out of range (text has 67 characters)"),
        ("T1\tClaim 0 x4\tCats\n", 1, "are not integers"),
        ("T1\tClaim 0 4\tDogs\n", 1, "annotated text 'Dogs' differs from the text at 0 4 'Cats'"),
        ("T1\tThesis 0 4\tCats\n", 1, "unknown label 'Thesis'"),
        ("T1\tClaim 0 4\n", 1, "truncated line"),
        ("T1 Claim 0 4 Cats\n", 1, "truncated line"),
        ("T1\tClaim 0 4\tCats\nR1\tsupports Arg1:T1 Arg2:T9\n", 2, "refers to 'T9'"),
        ("T1\tClaim 0 4\tCats\nA1\tStance T7 For\n", 2, "refers to 'T7', which is not defined"),
        ("T1\tClaim 0 4\tCats\nT1\tClaim 5 8\tare\n", 2, "duplicate annotation id 'T1'"),
        ("T1\tClaim 0 4\tCats\nR1\tattacks Arg1:T1 Arg2:T1\n", 2, "unknown relation label 'attacks'"),
        ("T1\tClaim 0 4\tCats\nR1\tsupports T1 T1\n", 2, "expected 'ID<TAB>label Arg1:ID Arg2:ID'"),
        ("Q1\tClaim 0 4\tCats\n", 1, "unknown annotation line"),
        ("T1\tClaim 5 12;0 4\tare gre Cats\n", 1, "overlap or are not in text order"),
    ],
)
def test_malformed_line_names_file_line_and_problem(
    tmp_path: Path, ann: str, line: int, fragment: str
) -> None:
    error = one_error(tmp_path / "doc.txt", ann, tmp_path)
    message = str(error)
    assert message.startswith(f"{tmp_path / 'doc.ann'}:{line}: error: ")
    assert fragment in message
    assert len(error.problems) == 1 or all(p.severity == "warning" for p in error.problems[:-1])


def test_attribute_rules(tmp_path: Path) -> None:
    rules = {"Stance": AttributeRule(labels=("Claim",), values=("For", "Against"))}
    ann = "T1\tClaim 0 4\tCats\nT2\tPremise 5 8\tare\nA1\tStance T1 Maybe\nA2\tStance T2 For\n"
    problems: list[Problem] = []
    read(write(tmp_path, ann), attributes=rules, strict=False, problems=problems)
    assert [(p.line, p.severity) for p in problems] == [(3, "error"), (4, "error")]
    assert "value 'Maybe'" in problems[0].message
    assert "allowed only on ['Claim']" in problems[1].message


def test_undecodable_bytes_name_file_and_byte_position(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_bytes("Caf\u00e9 ok\nline two".encode("latin-1"))
    (tmp_path / "doc.ann").write_text("", encoding="utf-8")
    with pytest.raises(CorpusFormatError) as info:
        read(tmp_path / "doc.txt")
    assert str(info.value).startswith(f"{tmp_path / 'doc.txt'}:1: error: cannot decode as utf-8")
    assert "byte 0xe9 at byte position 3" in str(info.value)
    doc = read(tmp_path / "doc.txt", encoding="latin-1")
    assert doc.text.startswith("Caf\u00e9")


def test_bom_is_kept_as_a_character(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_bytes(b"\xef\xbb\xbfCats purr")
    (tmp_path / "doc.ann").write_text("T1\tClaim 1 5\tCats\n", encoding="utf-8")
    doc = read(tmp_path / "doc.txt")
    assert doc.text[0] == "\ufeff" and doc.span_text(doc.spans[0]) == "Cats"
    assert [(p.start, p.end) for p in paragraph_partition(doc.text)] == [(1, 10)]


def test_unsupported_lines_are_warnings(tmp_path: Path) -> None:
    ann = "T1\tClaim 0 4\tCats\nE1\tClaim:T1\nN1\tReference T1 Wiki:1\tCat\n*\tEquiv T1 T1\n"
    problems: list[Problem] = []
    doc = read(write(tmp_path, ann), problems=problems)
    assert len(doc.spans) == 1
    assert [(p.line, p.severity) for p in problems] == [(2, "warning"), (3, "warning"), (4, "warning")]
    assert "event lines are not supported" in problems[0].message


def test_word_cut_is_a_warning_with_line_and_known_quirk(tmp_path: Path) -> None:
    ann = "T1\tClaim 0 3\tCat\nT2\tPremise 18 25\they pur\n"
    problems: list[Problem] = []
    doc = read(write(tmp_path, ann), problems=problems, known_quirks={"doc.ann": "ends early"})
    assert len(doc.spans) == 2
    assert [(p.path, p.line, p.severity) for p in problems] == [
        (str(tmp_path / "doc.ann"), 1, "warning"), (str(tmp_path / "doc.ann"), 2, "warning")
    ]
    assert "ends inside a word" in problems[0].message
    assert "starts inside a word" in problems[1].message and "ends inside" in problems[1].message
    assert "known upstream quirk: ends early" in problems[0].message


def test_non_strict_collects_every_error_of_every_file(tmp_path: Path) -> None:
    write(tmp_path, "T1\tClaim 0 4\tDogs\nT2\tClaim 0 999\tx\nT3\tClaim 5 8\tare\n", name="a")
    write(tmp_path, "T1\tThesis 0 4\tCats\nR1\tsupports Arg1:T1 Arg2:T5\n", name="b")
    write(tmp_path, "T1\tClaim 0 4\tCats\n", name="c")
    (tmp_path / "d.txt").write_text("orphan", encoding="utf-8")
    with pytest.raises(CorpusFormatError) as info:
        read_brat_folder(tmp_path, strict=False, labels=LABELS, relation_labels=("supports",))
    errors = [(Path(p.path).name, p.line) for p in info.value.problems if p.severity == "error"]
    assert errors == [("a.ann", 1), ("a.ann", 2), ("b.ann", 1), ("b.ann", 2), ("d.txt", None)]
    assert str(info.value).startswith("5 problems found:")


def test_non_strict_single_document_raises_once_at_the_end(tmp_path: Path) -> None:
    txt = write(tmp_path, "T1\tClaim 0 4\tDogs\nT2\tClaim 0 999\tx\n")
    with pytest.raises(CorpusFormatError) as info:
        read(txt, strict=False)
    assert [p.line for p in info.value.problems] == [1, 2]


def test_folder_is_sorted_by_file_name(tmp_path: Path) -> None:
    for name in ("b", "a", "c"):
        write(tmp_path, "T1\tClaim 0 4\tCats\n", name=name)
    assert [d.id for d in read_brat_folder(tmp_path, labels=LABELS)] == ["a", "b", "c"]
