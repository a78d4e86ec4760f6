"""TaggingTask round trip: a gold document -> encode -> oracle network outputs (the gold tags as
one-hot scores, per window) -> decode gives back the gold spans and relations exactly.

Documents are generated (hypothesis): paragraphs of words, non-overlapping spans, relations
inside a paragraph (one outgoing each) or a stance. The sub-word featurizer runs with windows of
12 sub-tokens, so units longer than one window and spans crossing window borders are common.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import torch
from hypothesis import given
from hypothesis import strategies as st
from tests.tasks.compare import LABELS, SETTINGS, WORDS, relations_of, spans_of

from argmine.documents import Document, Relation, Span
from argmine.encoding.features import SubwordFeaturizer, WordCharFeaturizer
from argmine.encoding.stance import derive_counter_arguments
from argmine.encoding.structure import EGER_RELATION_NAMES
from argmine.encoding.tags import TagVocab
from argmine.models.links import link_free_tags
from argmine.tasks import TaggingTask, UnitEncoding, window_output


@st.composite
def documents(draw: Any, structure: bool) -> Document:
    """Paragraphs of words (one per line), spans on word borders, and for ``structure`` one
    outgoing relation or a stance per span, or neither."""
    lines = [draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=40)) for _ in range(draw(st.integers(1, 3)))]
    text = "\n".join(" ".join(words) for words in lines)
    spans: list[Span] = []
    relations: list[Relation] = []
    paragraphs = []
    offset = 0
    for p, words in enumerate(lines):
        starts = []
        for w in words:
            starts.append(offset)
            offset += len(w) + 1
        paragraphs.append(Span(starts[0], offset - 1, "paragraph"))
        cuts = sorted(draw(st.sets(st.integers(0, len(words)), max_size=8)))
        mine = [Span(starts[a], starts[b - 1] + len(words[b - 1]), draw(st.sampled_from(LABELS)), f"T{p}_{a}")
                for a, b in zip(cuts[::2], cuts[1::2], strict=False)]
        if structure:
            for i, span in enumerate(mine):
                choice = draw(st.integers(0, 2))
                if choice == 0 and len(mine) > 1:
                    j = draw(st.sampled_from([j for j in range(len(mine)) if j != i]))
                    relations.append(Relation(span.id, mine[j].id, draw(st.sampled_from(["supports", "attacks"]))))
                elif choice == 1:
                    mine[i] = Span(span.start, span.end, span.label, span.id,
                                   {"stance": draw(st.sampled_from(["For", "Against"]))})
        spans.extend(mine)
    return Document("doc", text, spans, relations, partitions={"paragraphs": paragraphs})


@cache
def subwords() -> SubwordFeaturizer:
    return SubwordFeaturizer("minilm", max_length=12, stride=4)


class OracleNet(torch.nn.Module):
    """Decodes one-hot emissions by argmax; with ``gold``, a link head that returns the gold
    link of each span (its word vectors carry each token's character offsets)."""

    def __init__(self, decode_vocab: TagVocab | None = None, gold: Document | None = None) -> None:
        super().__init__()
        self.decode_vocab = decode_vocab
        self.links = OracleLinks(gold) if gold is not None else None

    def decode(self, emissions: torch.Tensor, mask: torch.Tensor) -> tuple[list[list[int]], list[list[float]]]:
        ids = emissions.argmax(-1)
        return ([row[:n] for row, n in zip(ids.tolist(), mask.sum(1).tolist(), strict=True)],
                [[1.0] * n for n in mask.sum(1).tolist()])


class OracleLinks:
    def __init__(self, gold: Document) -> None:
        self.by_offsets = {(s.start, s.end): s.id for s in gold.spans}
        self.outgoing = {r.source: r for r in gold.relations}

    def decode(self, states: torch.Tensor, bounds: list[tuple[int, int]], labels: list[str]) -> list[Any]:
        ids = [self.by_offsets[(int(states[a, 0]), int(states[b - 1, 1]))] for a, b in bounds]
        out = []
        for span_id in ids:
            rel = self.outgoing.get(span_id)
            out.append(None if rel is None else (ids.index(rel.target), EGER_RELATION_NAMES[rel.label], 1.0))
        return out


def oracle_outputs(task: TaggingTask, enc: UnitEncoding, tag_map: list[int] | None, n_tags: int) -> list[Any]:
    """Per window of a unit: the gold tags as one-hot emissions (+ token offsets as word vectors),
    except at a window's borders inside the unit, where the oracle is wrong (``O``) as a model
    that sees a span cut by the border may be: stitching must take those tokens elsewhere."""
    ids = [task.tag_vocab.tag_to_id[t] for t in enc.tags]
    if tag_map is not None:
        ids = [tag_map[i] for i in ids]
    out = []
    for window in enc.windows:
        first, last = window["word_range"]
        seen = list(ids[first:last])
        if first > 0:
            seen[0] = 0
        if last < enc.unit.n_tokens:
            seen[-1] = 0
        emissions = torch.nn.functional.one_hot(torch.tensor(seen), n_tags).float()[None]
        states = torch.tensor(enc.unit.tokens[first:last], dtype=torch.float)[None]
        out.append(window_output(first, last, emissions, states, 0, last - first))
    return out


def round_trip(doc: Document, featurizer: Any, target: str, link_head: bool = False) -> Document:
    task = TaggingTask(featurizer, target=target)
    task.prepare([doc])
    encoded = task.encode(doc)
    net, tag_map, n_tags = OracleNet(), None, len(task.tag_vocab)
    if link_head:
        vocab, tag_map = link_free_tags(task.tag_vocab.tags, task.tag_vocab.scheme)
        net, n_tags = OracleNet(vocab, doc), len(vocab)
    units = [(enc.unit, oracle_outputs(task, enc, tag_map, n_tags)) for enc in encoded if enc.unit.n_tokens]
    return task.decode(doc, task.decode_units(units, net))


@SETTINGS
@given(documents(structure=False))
def test_components_come_back_exactly_through_sub_word_windows(doc: Document) -> None:
    out = round_trip(doc, subwords(), "components")
    assert spans_of(out) == spans_of(doc) and not out.relations
    assert [s.id for s in out.spans] == [f"T{i + 1}" for i in range(len(doc.spans))]


@SETTINGS
@given(documents(structure=False))
def test_components_come_back_exactly_with_word_features(doc: Document) -> None:
    featurizer = WordCharFeaturizer().fit([doc.text.split()])
    assert spans_of(round_trip(doc, featurizer, "components")) == spans_of(doc)


@SETTINGS
@given(documents(structure=True))
def test_eger_structure_labels_give_back_spans_stance_and_relations(doc: Document) -> None:
    out = round_trip(doc, subwords(), "structure")
    gold = derive_counter_arguments(doc)
    assert spans_of(out) == spans_of(gold)
    assert relations_of(out) == relations_of(gold)


@SETTINGS
@given(documents(structure=True))
def test_a_link_head_gives_back_the_gold_relations(doc: Document) -> None:
    out = round_trip(doc, subwords(), "structure", link_head=True)
    gold = derive_counter_arguments(doc)
    assert spans_of(out) == spans_of(gold)
    assert relations_of(out) == relations_of(gold)


def test_long_units_are_cut_into_several_windows() -> None:
    """The generator's units do cross window borders: the featurizer cuts 40 words into many."""
    doc = Document("d", " ".join(WORDS * 2), [Span(0, 30, "Claim", "T1")], [])
    (enc,) = TaggingTask(subwords()).encode(doc, targets=False)
    assert len(enc.windows) > 3


def test_state_round_trip_keeps_the_vocabulary_and_options() -> None:
    doc = Document("d", "we should tax sugar", [Span(3, 9, "Claim", "T1", {"stance": "For"})], [])
    task = TaggingTask(None, target="structure", unit="document", tag_scheme="BIOES")
    task.prepare([doc])
    again = TaggingTask.from_state(task.state())
    assert again.state() == task.state()
    assert again.tag_vocab.tags == task.tag_vocab.tags == ["O", "B-Claim:For", "I-Claim:For", "E-Claim:For",
                                                          "S-Claim:For"]
    assert again.span_labels == ["Claim"]
