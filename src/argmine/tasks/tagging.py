"""The tagging task: one owner of the tagger's round trip Document -> tensors -> Document.

:class:`TaggingTask` builds a document's units and their gold tags (``encode``), batches their
windows (``collate``), and turns the network's per-window outputs back into a document
(``decode``): windows are stitched (:func:`argmine.encoding.windows.stitch_token_scores`), whole
units decoded, tags turned into character spans, Eger's compound labels (``target=structure``)
or a link head's links into relations, counter-arguments derived, spans numbered ``T1..`` and
relations ``R1..`` in text order. Training, evaluation and prediction use this one object.

The network is a *decoder* here: anything with ``decode(emissions [B, T, C], mask [B, T]) ->
(tag ids, confidences)`` per row, and optionally ``links`` (a link head with
``decode(word vectors, bounds, labels)``) and ``decode_vocab`` (the tags it predicts when they
differ from the data's). Limits: one outgoing link per span (the encoding's and the head's
rule); a relation whose endpoints fall in different units cannot be predicted.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch

from argmine.documents import Document, Relation, Span
from argmine.encoding.stance import derive_counter_arguments
from argmine.encoding.structure import EGER_RELATION_NAMES, decode_structure, encode_structure
from argmine.encoding.tags import TagVocab, spans_to_tags, tags_to_spans
from argmine.encoding.units import Unit, make_units
from argmine.encoding.windows import stitch_token_scores
from argmine.errors import ConfigError

TARGETS = ("components", "structure")
_NATIVE_RELATION_NAMES = {v: k for k, v in EGER_RELATION_NAMES.items()}

#: what the network gave for one window: ``(first word, end word, emissions [n, C])``, plus the
#: word vectors ``[n, H]`` when it has a link head
WindowOutput = tuple[Any, ...]


class Decoder(Protocol):
    """The network's side of decoding (the taggers implement it)."""

    def decode(self, emissions: torch.Tensor, mask: torch.Tensor) -> tuple[list[list[int]], list[list[float]]]: ...


@dataclass
class UnitEncoding:
    """One unit of a document, its gold tags (``None`` without targets) and its windows."""

    unit: Unit
    windows: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] | None = None
    tag_ids: list[int] | None = None  # ``tags`` as vocabulary ids, filled on first collation


@dataclass
class UnitDecoding:
    """A decoded unit: its tag ids (in the decoder's vocabulary), spans and relations."""

    tag_ids: list[int]
    spans: list[Span]
    relations: list[Relation]


class TaggingTask:
    """Document <-> tagger tensors for one label set.

    Args:
        featurizer: the fitted featurizer (word + char ids, or sub-words in windows).
        tag_vocab: the tag vocabulary (see :meth:`prepare`); ``None`` until prepared.
        unit: ``paragraph`` or ``document``: what one sequence is.
        target: ``components`` (span labels) or ``structure`` (Eger's compound labels with
            stance and link distance; decoded into relations, counter-arguments derived).
        tag_scheme: ``BIO`` or ``BIOES``.
    """

    def __init__(self, featurizer: Any = None, tag_vocab: TagVocab | None = None, unit: str = "paragraph",
                 target: str = "components", tag_scheme: str = "BIO") -> None:
        if target not in TARGETS:
            raise ConfigError(f"target must be one of {TARGETS}, got {target!r}")
        self.featurizer = featurizer
        self.tag_vocab = tag_vocab
        self.unit = unit
        self.target = target
        self.tag_scheme = tag_vocab.scheme if tag_vocab is not None else tag_scheme

    # -- data-derived state ----------------------------------------------------------------------
    def prepare(self, documents: Sequence[Document], declared: Sequence[str] = ()) -> TagVocab:
        """The tag vocabulary of the labels in ``documents``' gold tags (see :meth:`build_vocab`)."""
        return self.build_vocab((t[2:] for doc in documents for u in make_units(doc, self.unit)
                                 for t in self.gold_tags(doc, u) if t != "O"), declared)

    def build_vocab(self, labels: Iterable[str], declared: Sequence[str] = ()) -> TagVocab:
        """The tag vocabulary of ``labels`` (components: the schema's ``declared`` labels first,
        in their order, then any others; structure: the compound labels, sorted)."""
        present = sorted(set(labels))
        if self.target == "components" and declared:
            present = list(declared) + [lab for lab in present if lab not in declared]
        self.tag_vocab = TagVocab(present, scheme=self.tag_scheme)
        return self.tag_vocab

    @property
    def span_labels(self) -> list[str]:
        """The plain span labels the task predicts (compound labels cut at the first ``:``)."""
        labels = list(self._vocab().labels)
        return labels if self.target != "structure" else sorted({lab.split(":")[0] for lab in labels})

    # -- encoding --------------------------------------------------------------------------------
    def gold_tags(self, doc: Document, unit: Unit) -> list[str]:
        """The gold tag of every token of ``unit`` (compound labels for ``structure``)."""
        spans = sorted(unit.spans, key=lambda s: (s.start, s.end))
        names = encode_structure(spans, doc.relations) if self.target == "structure" else [s.label for s in spans]
        triples = [(s.start, s.end, name) for s, name in zip(spans, names, strict=True)]
        return spans_to_tags(unit.tokens, triples, self.tag_scheme)

    def encode(self, doc: Document, targets: bool = True, empty: bool = True) -> list[UnitEncoding]:
        """The units of ``doc`` with their windows (once a featurizer is set) and, with
        ``targets``, their gold tags. ``empty=False`` leaves out units without tokens."""
        out = []
        for unit in make_units(doc, self.unit):
            if not empty and not unit.n_tokens:
                continue
            windows = featurize_unit(self.featurizer, doc.text, unit) if self.featurizer is not None else []
            out.append(UnitEncoding(unit, windows, self.gold_tags(doc, unit) if targets else None))
        return out

    def collate(self, items: Sequence[tuple[UnitEncoding, int]]) -> dict[str, Any]:
        """A batch of windows (``(unit encoding, window index)``), with gold tag ids where the
        units have gold tags."""
        windows = [enc.windows[w] for enc, w in items]
        tags = None
        if items and all(enc.tags is not None for enc, _ in items):
            tags = []
            for enc, w in items:
                if enc.tag_ids is None:
                    enc.tag_ids = [self._vocab().tag_to_id[t] for t in enc.tags or []]
                first, last = enc.windows[w]["word_range"]
                tags.append(enc.tag_ids[first:last])
        return self.featurizer.collate(windows, tags)

    # -- decoding --------------------------------------------------------------------------------
    @torch.inference_mode()
    def decode_units(self, units: Sequence[tuple[Unit, list[WindowOutput]]], net: Decoder,
                     batch_size: int = 64) -> list[UnitDecoding]:
        """Stitch each unit's windows, decode whole units in batches, then spans (+ relations)."""
        stitched = [stitch(unit.n_tokens, windows, 2) for unit, windows in units]
        device = _device(net)
        decoded: list[tuple[list[int], list[float]]] = []
        for i in range(0, len(stitched), batch_size):
            chunk = stitched[i : i + batch_size]
            em = torch.zeros(len(chunk), max(e.shape[0] for e in chunk), chunk[0].shape[1])
            mask = torch.zeros(em.shape[:2], dtype=torch.bool)
            for j, e in enumerate(chunk):
                em[j, : e.shape[0]] = e
                mask[j, : e.shape[0]] = True
            tags, conf = net.decode(em.to(device), mask.to(device))
            decoded.extend(zip(tags, conf, strict=True))
        return [UnitDecoding(tag_ids, *self.unit_structure(unit.tokens, tag_ids, conf, windows, net))
                for (unit, windows), (tag_ids, conf) in zip(units, decoded, strict=True)]

    def decode(self, doc: Document, units: Sequence[UnitDecoding]) -> Document:
        """``doc`` with the decoded units' spans and relations (ids ``T1..``/``R1..`` in text
        order); for ``structure``, counter-arguments marked (:mod:`argmine.encoding.stance`)."""
        spans, relations = renumber([s for u in units for s in u.spans], [r for u in units for r in u.relations])
        out = doc.replace(spans=spans, relations=relations)
        return derive_counter_arguments(out) if self.target == "structure" else out

    def decode_vocab(self, net: Any) -> TagVocab:
        """The tags ``net`` predicts: the data's, or (link head without distances) fewer."""
        return getattr(net, "decode_vocab", None) or self._vocab()

    def unit_structure(self, tokens: list[tuple[int, int]], tag_ids: list[int], confidences: list[float],
                       windows: list[WindowOutput], net: Any) -> tuple[list[Span], list[Relation]]:
        """Spans and relations of one decoded unit; with a link head its links replace those
        decoded from the tags (``windows`` then carry word vectors)."""
        vocab = self.decode_vocab(net)
        triples = tags_to_spans(tokens, [vocab.id_to_tag[i] for i in tag_ids], vocab.scheme)
        first = {s: i for i, (s, _) in enumerate(tokens)}
        last = {e: i for i, (_, e) in enumerate(tokens)}
        spans = []
        for start, end, label in triples:
            a, b = first[start], last[end]
            score = float(sum(confidences[a : b + 1]) / (b - a + 1))
            spans.append(Span(start, end, label, id=f"T{start}_{end}", score=score))
        if self.target != "structure":
            return spans, []
        spans, relations = decode_structure(spans)
        links = getattr(net, "links", None)
        if links is None or not spans:
            return spans, relations
        states = stitch(len(tokens), windows, 3).to(_device(net))
        bounds = [(first[sp.start], last[sp.end] + 1) for sp in spans]
        out = []
        for i, link in enumerate(links.decode(states, bounds, [sp.label for sp in spans])):
            if link is not None:
                target, name, score = link
                out.append(Relation(spans[i].id, spans[target].id, _NATIVE_RELATION_NAMES.get(name, name),
                                    f"R{len(out) + 1}", score=score))
        return spans, out

    # -- export ----------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """JSON-serialisable state (the featurizer is exported beside it by the model)."""
        return {"unit": self.unit, "target": self.target, "tag_vocab": self._vocab().to_dict()}

    @classmethod
    def from_state(cls, state: dict[str, Any], featurizer: Any = None) -> TaggingTask:
        return cls(featurizer, TagVocab.from_dict(state["tag_vocab"]), unit=state.get("unit", "paragraph"),
                   target=state["target"])

    def _vocab(self) -> TagVocab:
        if self.tag_vocab is None:
            raise ConfigError("TaggingTask.prepare(documents) must run before encoding targets or decoding")
        return self.tag_vocab


def featurize_unit(featurizer: Any, text: str, unit: Unit, marker: str | None = None) -> list[dict[str, Any]]:
    """The featurizer's windows for one unit; each has ``word_range`` (first, last+1). The unit's
    position in its document goes to featurizers that can use it (``unit_position``); a
    ``marker`` (the corpus of a multi-corpus unit, ``data.corpus_marker=token``) only to
    featurizers that take one (the caller checks :func:`takes_marker`)."""
    if hasattr(featurizer, "encode_unit"):
        extra = {"marker": marker} if marker is not None else {}
        return featurizer.encode_unit(text, unit.tokens, unit.start, unit.end, position=(unit.index, unit.n_units),
                                      **extra)
    words = [text[s:e] for s, e in unit.tokens]
    item = dict(featurizer.encode(words))
    item["word_range"] = (0, len(words))
    return [item]


def takes_marker(featurizer: Any) -> bool:
    """Whether ``featurizer`` can start a unit's windows with a marker segment (sub-words)."""
    encode = getattr(featurizer, "encode_unit", None)
    return encode is not None and "marker" in inspect.signature(encode).parameters


def window_output(first: int, last: int, emissions: torch.Tensor, states: torch.Tensor | None,
                  row: int, n: int) -> WindowOutput:
    """What decoding keeps of one window (row ``row`` of a batch, ``n`` words): ``(first word,
    end word, emissions)``, plus the word vectors for a link head (float, CPU)."""
    entry: WindowOutput = (first, last, emissions[row, :n].detach().float().cpu())
    if states is not None:
        entry += (states[row, :n].detach().float().cpu(),)
    return entry


def stitch(n_tokens: int, windows: list[WindowOutput], field: int) -> torch.Tensor:
    """One unit's per-token rows of ``field`` (2: emissions, 3: word vectors) from its windows."""
    if len(windows) == 1 and windows[0][0] == 0 and windows[0][1] == n_tokens:
        return windows[0][field]
    ranges = [(w[0], w[1]) for w in windows]
    return torch.as_tensor(stitch_token_scores(n_tokens, ranges, [w[field] for w in windows]))


def renumber(spans: list[Span], relations: list[Relation]) -> tuple[list[Span], list[Relation]]:
    """Give predicted spans/relations of one document unique ids T1.., R1.. in text order."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end))
    new_id = {spans[i].id: f"T{k + 1}" for k, i in enumerate(order)}
    new_spans = [Span(spans[i].start, spans[i].end, spans[i].label, new_id[spans[i].id],
                      dict(spans[i].attributes), spans[i].score) for i in order]
    new_rels = [Relation(new_id[r.source], new_id[r.target], r.label, f"R{k + 1}", dict(r.attributes), r.score)
                for k, r in enumerate(relations) if r.source in new_id and r.target in new_id]
    return new_spans, new_rels


def _device(net: Any) -> torch.device:
    param = next(iter(net.parameters()), None) if isinstance(net, torch.nn.Module) else None
    return param.device if param is not None else torch.device("cpu")
