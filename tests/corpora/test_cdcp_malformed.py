"""The CDCP reader on small hand-written comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from argmine.corpora.cdcp import load_cdcp
from argmine.errors import CorpusFormatError

TEXT = "Fees are too high. I paid $40 last month. See __URL__ Please cap them."


def _write(root: Path, ann: dict, name: str = "00001") -> Path:
    folder = root / "train"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(TEXT, encoding="utf-8")
    path = folder / f"{name}.ann.json"
    path.write_text(json.dumps(ann), encoding="utf-8")
    return path


GOOD = {
    "prop_labels": ["value", "testimony", "reference", "policy"],
    "prop_offsets": [[0, 18], [18, 41], [41, 53], [53, 70]],
    "reasons": [[[0, 1], 3]],
    "evidences": [[[2, 2], 1]],
    "url": {"2": "http://example.org/fees"},
}


def test_reads_comment(tmp_path):
    _write(tmp_path, GOOD)
    (doc,) = load_cdcp(tmp_path).documents
    assert doc.id == "00001" and doc.split == "train"
    assert [doc.span_text(s) for s in doc.spans] == [
        "Fees are too high.", "I paid $40 last month.", "See __URL__", "Please cap them."
    ]
    assert doc.spans[2].attributes == {"url": "http://example.org/fees"}
    assert [(r.source, r.target, r.label, dict(r.attributes)) for r in doc.relations] == [
        ("P0", "P3", "reason", {"group": "0-1"}),
        ("P1", "P3", "reason", {"group": "0-1"}),
        ("P2", "P1", "evidence", {}),
    ]


@pytest.mark.parametrize(
    "change,message",
    [
        ({"prop_offsets": [[0, 18], [18, 41], [41, 53], [53, 99]]}, "proposition 3: offsets [53, 99) outside the text"),
        ({"prop_labels": ["value", "testimony", "reference", "opinion"]}, "unknown label 'opinion'"),
        ({"reasons": [[[0, 5], 3]]}, "names propositions outside 0..3"),
        ({"reasons": [[[0, 1], 1]]}, "makes proposition 1 support itself"),
        ({"prop_labels": ["value"]}, "1 prop_labels but 4 prop_offsets"),
    ],
)
def test_errors_name_the_file(tmp_path, change, message):
    path = _write(tmp_path, {**GOOD, **change})
    with pytest.raises(CorpusFormatError) as info:
        load_cdcp(tmp_path)
    assert str(info.value).startswith(f"{path}: error: ")
    assert message in str(info.value)


def test_bad_json_names_line(tmp_path):
    path = _write(tmp_path, GOOD)
    path.write_text('{"prop_labels": [\n"value",\n]}', encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=rf"{path}:3: error: invalid JSON"):
        load_cdcp(tmp_path)


def test_lenient_collects_all(tmp_path):
    _write(tmp_path, {**GOOD, "reasons": [[[0, 1], 1]]}, name="00001")
    _write(tmp_path, {**GOOD, "prop_labels": ["x", "value", "value", "value"]}, name="00002")
    with pytest.raises(CorpusFormatError) as info:
        load_cdcp(tmp_path, strict=False)
    assert [Path(p.path).name for p in info.value.problems] == ["00001.ann.json", "00002.ann.json"]
