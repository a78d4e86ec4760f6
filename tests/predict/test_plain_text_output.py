"""``argmine predict`` text output away from a terminal: spans marked in the text itself."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from argmine.documents import Document, Relation, Span
from argmine.predict.commands import Sink
from argmine.predict.writers import bracketed_text

TEXT = "We must act now. Prices rise, and wages do not."


def _doc() -> Document:
    return Document(id="d", text=TEXT, spans=[
        Span(0, 16, "claim", id="T1"),
        Span(17, 28, "premise", id="T2"),
        Span(34, 46, "premise", id="T3", fragments=((34, 39), (40, 46))),
    ], relations=[Relation("T2", "T1", "support", id="R1")])


def test_brackets_mark_each_span_and_fragment_in_place() -> None:
    assert bracketed_text(_doc()) == (
        "[claim: We must act now.] [premise: Prices rise], and [premise: wages] [premise: do not]."
    )


def test_nested_spans_nest_their_brackets() -> None:
    doc = Document(id="n", text="abc def ghi", spans=[Span(4, 7, "premise"), Span(0, 11, "claim"),
                                                       Span(0, 3, "premise")])
    assert bracketed_text(doc) == "[claim: [premise: abc] [premise: def] ghi]"


def test_text_format_on_a_pipe_marks_spans_without_colour(capsys: pytest.CaptureFixture[str]) -> None:
    sink = Sink(["text"], None, SimpleNamespace(labels=["claim", "premise"]))
    sink.add(_doc())
    sink.finish()
    out = capsys.readouterr().out
    assert "[claim: We must act now.] [premise: Prices rise]" in out
    assert "R1\tT2 supports T1" in out
    assert "\x1b[" not in out
