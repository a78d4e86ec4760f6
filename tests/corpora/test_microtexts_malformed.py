"""The arggraph reader on small hand-written XML files."""

from __future__ import annotations

from pathlib import Path

import pytest

from argmine.corpora.microtexts import load_microtexts, microtext_folds
from argmine.errors import CorpusFormatError

GRAPH = """<?xml version='1.0' encoding='UTF-8'?>
<arggraph id="micro_x001" topic_id="cats" stance="pro">
  <edu id="e1"><![CDATA[Cats are the best pets.]]></edu>
  <edu id="e2"><![CDATA[They purr,]]></edu>
  <edu id="e3"><![CDATA[although some people are allergic.]]></edu>
  <edu id="e4"><![CDATA[Cats are lovely.]]></edu>
  <adu id="a1" type="pro"/>
  <adu id="a2" type="pro"/>
  <adu id="a3" type="opp"/>
  <edge id="c1" src="e1" trg="a1" type="seg"/>
  <edge id="c2" src="e4" trg="a1" type="seg"/>
  <edge id="c3" src="e2" trg="a2" type="seg"/>
  <edge id="c4" src="e3" trg="a3" type="seg"/>
  <edge id="c5" src="a2" trg="a1" type="sup"/>
  <edge id="c6" src="a3" trg="c5" type="und"/>
</arggraph>
"""
TEXT = "Cats are the best pets. They purr, although some people are allergic. Cats are lovely."


def _write(tmp_path: Path, xml: str = GRAPH, txt: str = TEXT) -> Path:
    folder = tmp_path / "part1" / "corpus" / "en"
    folder.mkdir(parents=True)
    (folder / "micro_x001.xml").write_text(xml, encoding="utf-8")
    (folder / "micro_x001.txt").write_text(txt, encoding="utf-8")
    return folder / "micro_x001.xml"


def test_reads_graph(tmp_path):
    _write(tmp_path)
    corpus = load_microtexts(tmp_path, folds=[["micro_x001"]])
    (doc,) = corpus.documents
    assert doc.text == TEXT and doc.split is None
    spans = doc.span_by_id()
    assert spans["a1"].fragments == ((0, 23), (70, 86))
    assert doc.span_text(spans["a1"]) == "Cats are the best pets. Cats are lovely."
    assert spans["a1"].attributes == {"role": "pro", "central_claim": "true"}
    assert [(r.id, r.target) for r in doc.relations] == [("c5", "a1"), ("c6", "c5")]
    assert microtext_folds(corpus) == [([], ["micro_x001"])]
    assert corpus.problems == []


def test_text_mismatch_is_a_warning(tmp_path):
    _write(tmp_path, txt="Dogs are the best pets.")
    corpus = load_microtexts(tmp_path)
    (warning,) = corpus.warnings
    assert warning.path.endswith("micro_x001.txt") and "differs" in warning.message


@pytest.mark.parametrize(
    "old,new,line,message",
    [
        ('trg="c5" type="und"', 'trg="a9" type="und"', 15, "neither an ADU nor an edge"),
        ('type="opp"', 'type="con"', 9, "type pro|opp"),
        ('src="a2" trg="a1" type="sup"', 'src="a2" trg="a1" type="support"', 14, "has type 'support'"),
        ('src="a2" trg="a1" type="sup"', 'src="a2" trg="c6" type="sup"', 14, "must target an ADU"),
        ("</arggraph>", "</argraph>", 16, "XML parse error"),
    ],
)
def test_errors_name_file_and_line(tmp_path, old, new, line, message):
    path = _write(tmp_path, GRAPH.replace(old, new))
    with pytest.raises(CorpusFormatError) as info:
        load_microtexts(tmp_path)
    assert str(info.value).startswith(f"{path}:{line}: error: ")
    assert message in str(info.value)


def test_unknown_fold_ids(tmp_path):
    _write(tmp_path)
    with pytest.raises(CorpusFormatError, match="micro_zzz"):
        load_microtexts(tmp_path, folds=[["micro_zzz"]])
