"""The Feedback Prize / PERSUADE reader on essays written for these tests."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from argmine.corpora import load_corpus
from argmine.corpora.persuade import load_persuade
from argmine.errors import CorpusFormatError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "persuade"


def test_kaggle_layout():
    corpus = load_corpus("persuade", root=FIXTURE)
    assert corpus.splits == {"train": 2} and corpus.problems == []
    doc = {d.id: d for d in corpus.documents}["A1B2C3D4E5F6"]
    assert [s.label for s in doc.spans] == [
        "Lead", "Position", "Claim", "Evidence", "Counterclaim", "Rebuttal", "Concluding Statement"
    ]
    lead = doc.spans[0]
    assert doc.span_text(lead) == "Many students bring phones to school every day."  # trailing space trimmed
    assert (lead.start, lead.end) == (17, 64)
    assert lead.attributes == {
        "discourse_id": "1001.0", "discourse_type_num": "Lead 1", "predictionstring": "3 4 5 6 7 8 9 10"
    }
    words = doc.text.split()
    assert [words[int(i)] for i in lead.attributes["predictionstring"].split()][-1] == "day."
    assert [doc.text[p.start : p.end] for p in doc.partitions["paragraphs"]][0] == "Phones in class"
    assert len(doc.partitions["paragraphs"]) == 5


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "persuade"
    shutil.copytree(FIXTURE, root)
    return root


def _edit(root: Path, row: int, **changes: str) -> None:
    path = root / "train.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[row].update(changes)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_text_mismatch_is_a_warning(tmp_path):
    root = _copy(tmp_path)
    _edit(root, 2, discourse_text="phones help students stay organized.")
    corpus = load_persuade(root)
    (warning,) = corpus.warnings
    assert (Path(warning.path).name, warning.line) == ("train.csv", 4)
    assert "discourse_text differs" in warning.message


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"discourse_type": "Opinion"}, "unknown discourse_type 'Opinion'"),
        ({"discourse_start": "abc"}, "are not numbers"),
        ({"discourse_start": "900.0", "discourse_end": "950.0"}, "offsets [900, 950) outside essay"),
    ],
)
def test_errors_name_file_and_line(tmp_path, changes, message):
    root = _copy(tmp_path)
    _edit(root, 3, **changes)
    with pytest.raises(CorpusFormatError) as info:
        load_persuade(root)
    assert str(info.value).startswith(f"{root / 'train.csv'}:5: error: ")
    assert message in str(info.value)


def test_missing_text_file(tmp_path):
    root = _copy(tmp_path)
    (root / "train" / "0F9E8D7C6B5A.txt").unlink()
    with pytest.raises(CorpusFormatError, match=r"train.csv:9: error: essay '0F9E8D7C6B5A': text file"):
        load_persuade(root)


def test_persuade2_single_csv_with_split_column(tmp_path):
    text = "Homework should be shorter. Long homework leaves no time for sport.\nSo keep it short."
    rows = [
        ["essay_id_comp", "full_text", "discourse_start", "discourse_end", "discourse_text", "discourse_type", "split"],
        ["E1", text, "0", "27", "Homework should be shorter.", "Position", "test"],
        ["E1", text, "28", "67", "Long homework leaves no time for sport.", "Claim", "test"],
        ["E1", text, "68", "85", "So keep it short.", "Unannotated", "test"],
    ]
    with (tmp_path / "persuade_2.0.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    (doc,) = load_persuade(tmp_path).documents
    assert doc.id == "E1" and doc.split == "test" and doc.text == text
    assert [(s.label, doc.span_text(s)) for s in doc.spans] == [
        ("Position", "Homework should be shorter."), ("Claim", "Long homework leaves no time for sport.")
    ]
