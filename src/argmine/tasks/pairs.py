"""The pair task: one owner of the pair model's round trip Document -> tensors -> Document.

The setting is Stab & Gurevych's (2017): the components are GIVEN (gold, or predicted by a
tagger); for each one the network predicts its type and its stance (support / attack), and for
every ordered pair of components in one unit (a paragraph, or the whole document with
``unit="document"``) whether the first links to the second.

:class:`PairTask` derives the data's state from the training documents (``prepare``: type
labels, class counts for the class-balanced losses, how the corpus spells a support / attack
relation and a stance), cuts a document into units with their components, structural features
and gold targets (``encode``), batches units (``collate``), turns the network's scores for one
unit into types, stances and links (``decode_unit``), and those into a document (``decode``).
Training, evaluation and the pipeline use this one object.

Targets per component: ``type`` = its label; ``stance`` = ``support``/``attack`` from a claim's
``stance`` attribute (``For`` / ``Against``), a microtext ADU's ``role`` (``pro`` / ``opp``), or
the type of its outgoing relation (attack-like labels, :func:`argmine.encoding.stance.is_attack`),
``None`` (not scored) when it has none of them. Links: the relations (not ``derived``, not to
itself) whose endpoints are both components of the unit.

Limits: one outgoing link per component (its best-scoring target, if above ``threshold``); a
link between components of different units is never predicted; units without components are
left out (nothing to classify). A predicted relation is named after its source's stance, in the
training data's spelling; a component without an outgoing link gets its stance as the
``stance`` attribute (``For`` / ``Against``) only when the training documents have that
attribute (the essays' claims): a stance read from ``role`` or from a cross-unit relation does
not come back for such a component. Components need token-aligned offsets (gold ones are; the
pipeline snaps predicted ones to tokens).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import torch

from argmine.documents import Document, Relation
from argmine.encoding.stance import derive_counter_arguments, is_attack
from argmine.encoding.units import Unit, make_units
from argmine.errors import ConfigError

SUPPORT, ATTACK = "support", "attack"
#: the stance classes, in the stance head's order
STANCE_LABELS = [SUPPORT, ATTACK]
UNITS = ("paragraph", "document")

#: Structural features per component (Stab & Gurevych's strongest feature group): the unit is
#: the first / last of its document's units that have components, the component is the first /
#: last of its unit, its relative position in the unit, 1 / number of components in the unit.
NUM_STRUCTURAL_FEATURES = 6


@dataclass
class PairEncoding:
    """One unit with components: their token ranges ``(first, last + 1)``, structural features
    ``[n, NUM_STRUCTURAL_FEATURES]``, the featurizer's inputs (once a featurizer is set) and,
    with targets, each component's gold type and stance and the gold links ``(source, target)``
    (positions in ``unit.spans``). ``doc_index``: the document's position in the list it was
    encoded from (the data module's stage), which :meth:`PairTask.decode_documents` groups by."""

    unit: Unit
    ranges: list[tuple[int, int]]
    features: torch.Tensor
    types: list[str] | None = None
    stances: list[str | None] | None = None
    links: set[tuple[int, int]] | None = None
    encoded: dict[str, Any] = field(default_factory=dict)
    doc_index: int = 0


@dataclass
class PairOutput:
    """The network's scores for one unit of ``n`` components: ``types`` ``[n, num types]`` and
    ``stances`` ``[n, 2]`` (any scores whose argmax is the prediction: logits, probabilities),
    ``links`` ``[n, n]`` link probabilities (row = source; the diagonal is ignored), ``None``
    for no links (fewer than two components)."""

    types: torch.Tensor | None
    stances: torch.Tensor
    links: torch.Tensor | None = None


@dataclass
class PairDecoding:
    """A decoded unit: each component's type (``None`` when not predicted) and stance, and the
    links ``(source, target)`` as positions in the unit's components."""

    types: list[str] | None
    stances: list[str]
    links: set[tuple[int, int]]


class PairTask:
    """Document <-> pair-model tensors; see the module doc.

    Args:
        featurizer: the fitted featurizer (word + char ids per unit); ``None`` until set.
        type_labels: component labels, in the type head's order (see :meth:`prepare`).
        class_counts: training components per type (``type_labels`` order) and per stance
            (support, attack; components without a gold stance not counted).
        relation_names: the relation label a predicted support / attack link gets.
        stance_values: the ``stance`` attribute value of a support / attack component without an
            outgoing link; ``None``: no attribute is written.
        unit: ``paragraph`` or ``document``: what one unit (the scope of links) is.
        threshold: a link is kept if its probability is above this.
    """

    def __init__(self, featurizer: Any = None, type_labels: Sequence[str] = (),
                 class_counts: Mapping[str, Sequence[int]] | None = None,
                 relation_names: Mapping[str, str] | None = None, stance_values: Mapping[str, str] | None = None,
                 unit: str = "paragraph", threshold: float = 0.5) -> None:
        if unit not in UNITS:
            raise ConfigError(f"unit must be one of {UNITS}, got {unit!r}")
        self.featurizer = featurizer
        self.type_labels = list(type_labels)
        self.class_counts = {k: list(v) for k, v in (class_counts or {}).items()}
        self.relation_names = dict(relation_names or {SUPPORT: SUPPORT, ATTACK: ATTACK})
        self.stance_values = dict(stance_values) if stance_values is not None else None
        self.unit = unit
        self.threshold = threshold

    # -- data-derived state ----------------------------------------------------------------------
    def prepare(self, train_documents: Sequence[Document], declared: Sequence[str] = (),
                labels_from: Iterable[Document] = ()) -> None:
        """Type labels, class counts and the relation / stance spelling of ``train_documents``.

        Type labels: the ``declared`` (schema) labels that occur, in their order, then the others,
        sorted; ``labels_from`` adds the labels of further documents (the data module passes its
        val / test documents, so a label only they have still has a class and a macro-F1 term).
        """
        seen = sorted({s.label for doc in [*train_documents, *labels_from] for s in doc.spans})
        self.type_labels = [lab for lab in declared if lab in seen] + [lab for lab in seen if lab not in declared]
        types = [s.label for doc in train_documents for s in doc.spans]
        stances = [st for doc in train_documents for s in doc.spans
                   if (st := component_stance(doc, s.id, s.attributes)) is not None]
        self.class_counts = {"type": [types.count(label) for label in self.type_labels],
                             "stance": [len(stances) - stances.count(ATTACK), stances.count(ATTACK)]}
        self.relation_names, self.stance_values = relation_vocabulary(train_documents)

    # -- encoding --------------------------------------------------------------------------------
    def units(self, doc: Document) -> list[Unit]:
        """The units of ``doc`` (with or without components), in text order."""
        return make_units(doc, self.unit)

    def encode(self, doc: Document, targets: bool = True, doc_index: int = 0) -> list[PairEncoding]:
        """The units of ``doc`` that have components, with token ranges, structural features,
        the featurizer's inputs (once a featurizer is set) and, with ``targets``, the gold types,
        stances and links. Raises :class:`ConfigError` for a component not on token borders."""
        units = [u for u in self.units(doc) if u.spans]
        out = []
        for position, unit in enumerate(units):
            n = len(unit.spans)
            features = torch.tensor(structural_features(position, len(units), n), dtype=torch.float32)
            enc = PairEncoding(unit, token_ranges(doc, unit), features.reshape(n, NUM_STRUCTURAL_FEATURES),
                               doc_index=doc_index)
            if targets:
                enc.types = [s.label for s in unit.spans]
                enc.stances = [component_stance(doc, s.id, s.attributes) for s in unit.spans]
                enc.links = gold_links(doc, unit)
            if self.featurizer is not None:
                enc.encoded = self.featurize(doc.text, unit)
            out.append(enc)
        return out

    def featurize(self, text: str, unit: Unit) -> dict[str, Any]:
        """The featurizer's inputs for one unit's words."""
        return dict(self.featurizer.encode(unit.token_texts(text)))

    def collate(self, encodings: Sequence[PairEncoding]) -> dict[str, Any]:
        """A batch: the featurizer's padded inputs, ``ranges`` and ``features`` per unit and, when
        every unit has targets, ``types`` (type ids; -1 for a label the task does not know, as a
        tagger's component may have), ``stances`` (0 support, 1 attack, -1 none) and ``links``."""
        out = self.featurizer.collate([e.encoded for e in encodings])
        out["ranges"] = [e.ranges for e in encodings]
        if all(e.types is not None and e.stances is not None and e.links is not None for e in encodings):
            ids: dict[str, int] = {}
            for k, label in enumerate(self.type_labels):
                ids.setdefault(label, k)
            out["types"] = [[ids.get(t, -1) for t in e.types or []] for e in encodings]
            out["stances"] = [[-1 if s is None else int(s == ATTACK) for s in e.stances or []] for e in encodings]
            out["links"] = [e.links for e in encodings]
        out["features"] = [e.features for e in encodings]
        return out

    # -- decoding --------------------------------------------------------------------------------
    def decode_unit(self, output: PairOutput) -> PairDecoding:
        """Types and stances by argmax, links by :func:`decode_links` (one best target each)."""
        types = None
        if output.types is not None:
            types = [self.type_labels[k] for k in output.types.argmax(-1).tolist()]
        stances = [STANCE_LABELS[k] for k in output.stances.argmax(-1).tolist()]
        links = decode_links(output.links, self.threshold) if output.links is not None else set()
        return PairDecoding(types, stances, links)

    def decode(self, doc: Document, units: Sequence[tuple[PairEncoding, PairDecoding]], types: bool = True) -> Document:
        """``doc`` with its units' predictions: a link ``i -> j`` becomes a relation named after
        the source's stance (``relation_names``; relations in unit order, then by position); a
        component without an outgoing link gets its stance as the ``stance`` attribute when
        ``stance_values`` is set; with ``types`` each component of a decoded unit gets its
        predicted type as label (``False`` keeps the document's labels: the pipeline's
        components are the tagger's). Counter-arguments are marked
        (:func:`argmine.encoding.stance.derive_counter_arguments`). ``doc``'s components must be
        those the encodings were made from (same ids); its relations are replaced."""
        relations: list[Relation] = []
        stances: dict[str, str] = {}
        labels: dict[str, str] = {}
        for enc, dec in units:
            spans = enc.unit.spans
            sources = {i for i, _ in dec.links}
            for i, j in sorted(dec.links):
                relations.append(Relation(spans[i].id, spans[j].id, self.relation_names[dec.stances[i]]))
            if self.stance_values is not None:
                for k, span in enumerate(spans):
                    if k not in sources:
                        stances[span.id] = self.stance_values[dec.stances[k]]
            if types and dec.types is not None:
                labels.update((span.id, label) for span, label in zip(spans, dec.types, strict=True))
        out_spans = []
        for span in doc.spans:
            if span.id in labels:
                span = replace(span, label=labels[span.id])
            if span.id in stances:
                span = replace(span, attributes={**span.attributes, "stance": stances[span.id]})
            out_spans.append(span)
        return derive_counter_arguments(doc.replace(spans=out_spans, relations=relations))

    def decode_documents(self, docs: Sequence[Document], encodings: Sequence[PairEncoding],
                         decodings: Mapping[int, PairDecoding], types: bool = True) -> list[Document]:
        """:meth:`decode` for every document of ``docs``: ``decodings[k]`` is the decoded
        ``encodings[k]`` (an encoding without one is left out), grouped by ``doc_index``."""
        by_doc: dict[int, list[tuple[PairEncoding, PairDecoding]]] = {i: [] for i in range(len(docs))}
        for k, enc in enumerate(encodings):
            if k in decodings:
                by_doc[enc.doc_index].append((enc, decodings[k]))
        return [self.decode(doc, by_doc[i], types=types) for i, doc in enumerate(docs)]

    # -- export ----------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """JSON-serialisable state (the featurizer is exported beside it by the model)."""
        return {"unit": self.unit, "type_labels": list(self.type_labels),
                "class_counts": {k: list(v) for k, v in self.class_counts.items()},
                "relation_names": dict(self.relation_names), "stance_values": self.stance_values,
                "threshold": self.threshold}

    @classmethod
    def from_state(cls, state: Mapping[str, Any], featurizer: Any = None) -> PairTask:
        return cls(featurizer, state["type_labels"], state.get("class_counts"), state.get("relation_names"),
                   state.get("stance_values"), unit=state.get("unit", "paragraph"),
                   threshold=float(state.get("threshold", 0.5)))


def structural_features(unit_position: int, n_units: int, n_components: int) -> list[list[float]]:
    """:data:`NUM_STRUCTURAL_FEATURES` numbers per component of one unit (see there)."""
    out = []
    for k in range(n_components):
        out.append([
            float(unit_position == 0), float(unit_position == n_units - 1),
            float(k == 0), float(k == n_components - 1),
            k / max(n_components - 1, 1), 1.0 / n_components,
        ])
    return out


def token_ranges(doc: Document, unit: Unit) -> list[tuple[int, int]]:
    """Each component of ``unit`` as token positions ``(first, last + 1)``."""
    starts = {s: i for i, (s, _) in enumerate(unit.tokens)}
    ends = {e: i + 1 for i, (_, e) in enumerate(unit.tokens)}
    ranges = []
    for span in unit.spans:
        if span.start not in starts or span.end not in ends:
            raise ConfigError(f"document {doc.id}: span {span.id} is not token-aligned")
        ranges.append((starts[span.start], ends[span.end]))
    return ranges


def gold_links(doc: Document, unit: Unit) -> set[tuple[int, int]]:
    """The relations between two different components of ``unit`` (not ``derived`` ones), as
    positions in ``unit.spans``."""
    position = {s.id: k for k, s in enumerate(unit.spans)}
    return {
        (position[r.source], position[r.target])
        for r in doc.relations
        if r.source in position and r.target in position and r.source != r.target
        and "derived" not in r.attributes
    }


def component_stance(doc: Document, span_id: str, attributes: Mapping[str, Any]) -> str | None:
    """support / attack / None for one gold component (see the module doc)."""
    stance = str(attributes.get("stance", "")).lower()
    if stance in {"for", "against"}:
        return SUPPORT if stance == "for" else ATTACK
    role = str(attributes.get("role", "")).lower()  # microtexts: proponent / opponent
    if role in {"pro", "opp"}:
        return SUPPORT if role == "pro" else ATTACK
    for rel in doc.relations:
        if rel.source == span_id and "derived" not in rel.attributes:
            return ATTACK if is_attack(rel) else SUPPORT
    return None


def relation_vocabulary(docs: Sequence[Document]) -> tuple[dict[str, str], dict[str, str] | None]:
    """How the training data spells a support and an attack relation (its most frequent label
    of each kind), and claims' stance values (``For``/``Against``) when its spans carry a
    ``stance`` attribute: the names a pipeline gives the relations and stances it predicts."""
    kinds: dict[str, Counter[str]] = {SUPPORT: Counter(), ATTACK: Counter()}
    for doc in docs:
        for rel in doc.relations:
            if "derived" not in rel.attributes:
                kinds[ATTACK if is_attack(rel) else SUPPORT][rel.label] += 1
    names = {k: (c.most_common(1)[0][0] if c else k) for k, c in kinds.items()}
    has_stance = any(str(s.attributes.get("stance", "")).lower() in {"for", "against"} for d in docs for s in d.spans)
    return names, ({SUPPORT: "For", ATTACK: "Against"} if has_stance else None)


def decode_links(probs: torch.Tensor, threshold: float = 0.5) -> set[tuple[int, int]]:
    """Tree-shaped links from a ``[n, n]`` probability matrix: each source keeps only its best
    target (never itself), if above ``threshold``. Endpoints are always existing components."""
    n = probs.size(0)
    links = set()
    for i in range(n):
        if n < 2:
            break
        row = probs[i].clone()
        row[i] = -1.0
        j = int(row.argmax())
        if float(row[j]) > threshold:
            links.add((i, j))
    return links
