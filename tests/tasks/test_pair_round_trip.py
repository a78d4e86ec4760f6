"""PairTask round trip: a gold document -> encode -> collate -> oracle network outputs (the gold
types, stances and links of the batch as probability-1 scores) -> decode gives back the gold
types, relations and stance exactly.

Documents are generated (hypothesis): paragraphs of words, non-overlapping components on word
borders, and per component either one outgoing ``supports`` / ``attacks`` relation to another
component of its unit (its paragraph, or the whole document with ``unit="document"``) or a
``stance`` attribute (``For`` / ``Against``): the annotation the pair task can give back (see
:mod:`argmine.tasks.pairs` for its limits). Decoding starts from the bare components (no
relations, no attributes, every label ``component``), as the pipeline's are.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from tests.tasks.compare import LABELS, SETTINGS, WORDS, relations_of, spans_of

from argmine.documents import Document, Relation, Span
from argmine.encoding.features import WordCharFeaturizer
from argmine.encoding.stance import derive_counter_arguments
from argmine.errors import ConfigError
from argmine.tasks import PairOutput, PairTask
from argmine.tasks.pairs import NUM_STRUCTURAL_FEATURES


@st.composite
def documents(draw: Any, unit: str) -> Document:
    """Paragraphs of words (one per line), components on word borders, and per component one
    outgoing relation inside its unit or a stance attribute."""
    lines = [draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=30)) for _ in range(draw(st.integers(1, 3)))]
    text = "\n".join(" ".join(words) for words in lines)
    paragraphs, scopes = [], []
    offset = 0
    for p, words in enumerate(lines):
        starts = []
        for w in words:
            starts.append(offset)
            offset += len(w) + 1
        paragraphs.append(Span(starts[0], offset - 1, "paragraph"))
        cuts = sorted(draw(st.sets(st.integers(0, len(words)), max_size=8)))
        scopes.append([Span(starts[a], starts[b - 1] + len(words[b - 1]), draw(st.sampled_from(LABELS)), f"T{p}_{a}")
                       for a, b in zip(cuts[::2], cuts[1::2], strict=False)])
    if unit == "document":
        scopes = [[s for scope in scopes for s in scope]]
    spans: list[Span] = []
    relations: list[Relation] = []
    for scope in scopes:
        for i, span in enumerate(scope):
            if len(scope) > 1 and draw(st.booleans()):
                j = draw(st.sampled_from([j for j in range(len(scope)) if j != i]))
                relations.append(Relation(span.id, scope[j].id, draw(st.sampled_from(["supports", "attacks"]))))
            else:
                stance = draw(st.sampled_from(["For", "Against"]))
                span = Span(span.start, span.end, span.label, span.id, {"stance": stance})
            spans.append(span)
    spans.sort(key=lambda s: s.start)
    return Document("doc", text, spans, relations, partitions={"paragraphs": paragraphs})


def bare(doc: Document) -> Document:
    """The components only: no relations, no attributes, one placeholder label."""
    return doc.replace(spans=[Span(s.start, s.end, "component", s.id) for s in doc.spans], relations=[])


def oracle_outputs(task: PairTask, batch: dict[str, Any]) -> list[PairOutput]:
    """Per unit of a batch: its gold type ids, stance ids and links as probability-1 scores."""
    out = []
    for types, stances, links in zip(batch["types"], batch["stances"], batch["links"], strict=True):
        n = len(types)
        type_scores = torch.nn.functional.one_hot(torch.tensor(types), len(task.type_labels)).float()
        stance_scores = torch.nn.functional.one_hot(torch.tensor([max(s, 0) for s in stances]), 2).float()
        link_probs = torch.zeros(n, n)
        for i, j in links:
            link_probs[i, j] = 1.0
        out.append(PairOutput(type_scores, stance_scores, link_probs if n >= 2 else None))
    return out


def round_trip(doc: Document, unit: str, types: bool = True) -> Document:
    featurizer = WordCharFeaturizer().fit([doc.text.split()])
    task = PairTask(featurizer, unit=unit)
    task.prepare([doc])
    encoded = task.encode(doc)
    for enc in encoded:  # each component is its tokens
        assert [(enc.unit.tokens[a][0], enc.unit.tokens[b - 1][1]) for a, b in enc.ranges] == [
            (s.start, s.end) for s in enc.unit.spans]
        assert enc.features.shape == (len(enc.unit.spans), NUM_STRUCTURAL_FEATURES)
    batch = task.collate(encoded)
    assert batch["word_ids"].shape[0] == len(encoded)
    decodings = {k: task.decode_unit(out) for k, out in enumerate(oracle_outputs(task, batch))}
    return task.decode_documents([bare(doc)], encoded, decodings, types=types)[0]


@SETTINGS
@given(documents(unit="paragraph"))
def test_types_relations_and_stance_come_back_exactly_per_paragraph(doc: Document) -> None:
    out = round_trip(doc, "paragraph")
    gold = derive_counter_arguments(doc)
    assert spans_of(out) == spans_of(gold)
    assert relations_of(out) == relations_of(gold)


@SETTINGS
@given(documents(unit="document"))
def test_links_across_paragraphs_come_back_with_document_units(doc: Document) -> None:
    out = round_trip(doc, "document")
    gold = derive_counter_arguments(doc)
    assert spans_of(out) == spans_of(gold)
    assert relations_of(out) == relations_of(gold)


@SETTINGS
@given(documents(unit="paragraph"))
def test_without_types_the_documents_labels_are_kept(doc: Document) -> None:
    out = round_trip(doc, "paragraph", types=False)
    assert {s.label for s in out.spans} <= {"component"}
    assert relations_of(out) == relations_of(doc)


def test_prepare_counts_classes_and_reads_the_corpus_spelling() -> None:
    text = "we tax sugar . it harms health . jobs matter"
    spans = [Span(0, 12, "Claim", "c1", {"stance": "Against"}), Span(15, 30, "Premise", "p1"),
             Span(33, 44, "Premise", "p2")]
    relations = [Relation("p1", "c1", "Support"), Relation("p2", "p1", "Attack"), Relation("p2", "c1", "Attack")]
    doc = Document("d", text, spans, relations)
    task = PairTask()
    other = Document("o", "more", [Span(0, 4, "MajorClaim", "m")], [])
    task.prepare([doc], declared=["MajorClaim", "Premise", "Claim", "Absent"], labels_from=[other])
    assert task.type_labels == ["MajorClaim", "Premise", "Claim"]
    assert task.class_counts == {"type": [0, 2, 1], "stance": [1, 2]}  # p1 support; c1, p2 attack
    assert task.relation_names == {"support": "Support", "attack": "Attack"}
    assert task.stance_values == {"support": "For", "attack": "Against"}
    (enc,) = task.encode(doc)
    assert enc.types == ["Claim", "Premise", "Premise"] and enc.links == {(1, 0), (2, 1), (2, 0)}
    (bare_enc,) = task.encode(doc, targets=False)
    assert bare_enc.types is None and bare_enc.ranges == enc.ranges


def test_encode_without_targets_collates_inputs_only_and_unknown_labels_are_minus_one() -> None:
    doc = Document("d", "we tax sugar\nit harms health", [Span(0, 6, "Claim", "c1"), Span(16, 28, "Odd", "o1")],
                   [], partitions={"paragraphs": [Span(0, 12, "paragraph"), Span(13, 28, "paragraph")]})
    task = PairTask(WordCharFeaturizer().fit([doc.text.split()]), type_labels=["Claim"])
    encoded = task.encode(doc)
    assert [len(e.unit.spans) for e in encoded] == [1, 1]
    assert [e.features[0, :2].tolist() for e in encoded] == [[1.0, 0.0], [0.0, 1.0]]  # first / last unit
    batch = task.collate(encoded)
    assert batch["types"] == [[0], [-1]] and batch["stances"] == [[-1], [-1]] and batch["links"] == [set(), set()]
    inputs_only = task.collate(task.encode(doc, targets=False))
    assert not {"types", "stances", "links"} & set(inputs_only) and inputs_only["ranges"] == batch["ranges"]


def test_state_round_trip_is_json() -> None:
    doc = Document("d", "we tax sugar", [Span(0, 6, "Claim", "c1", {"stance": "For"})], [])
    task = PairTask(unit="document", threshold=0.7)
    task.prepare([doc])
    state = json.loads(json.dumps(task.state()))
    again = PairTask.from_state(state)
    assert again.state() == task.state()
    assert (again.unit, again.threshold, again.type_labels) == ("document", 0.7, ["Claim"])
    with pytest.raises(ConfigError, match="unit must be one of"):
        PairTask(unit="sentence")
