"""Map a model's predicted labels onto the unified schema (``--schema unified``).

A model trained with ``schema=unified`` already predicts unified labels: nothing to do. A model
trained on a corpus' native labels (metadata ``schema: native``) is mapped with that corpus'
rules in ``configs/schema/unified.yaml``, span by span, first matching rule wins, exactly as
:meth:`argmine.schema.LabelSchema.apply` does for gold data.

Rules can only use what the model predicts. A component tagger predicts labels only: a rule
that needs an attribute (essays: ``Claim`` with ``stance: Against`` -> ``counter_argument``)
never matches, so the next rule applies (``Claim`` -> ``claim``). A structure model
(``target=structure``) also predicts relations and each claim's ``stance``, so that rule does
apply to its output. A span that no rule matches without attributes (microtexts' ``ADU`` needs
``role``) keeps its native label; :class:`UnifiedMapper` lists those labels in ``unmapped`` so
callers can warn once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from argmine.documents import Document, Relation, Span
from argmine.errors import ConfigError
from argmine.schema import LabelSchema, load_schema


class UnifiedMapper:
    """Maps native labels of ``corpus`` onto a schema's labels (see the module docstring)."""

    def __init__(self, schema: LabelSchema, corpus: str, rules: Mapping[str, Any]) -> None:
        self.schema = schema
        self.corpus = corpus
        self.span_rules = list(rules.get("spans") or [])
        self.relation_map = dict(rules.get("relations") or {})
        self.unmapped: set[str] = set()

    @classmethod
    def for_model(cls, metadata: Mapping[str, Any], labels: list[str],
                  schema_name: str = "unified") -> UnifiedMapper | None:
        """The mapper for a model, or ``None`` when its labels need no mapping.

        Raises :class:`ConfigError` when the model's corpus has no rules in the schema.
        """
        schema = load_schema(schema_name)
        if schema.span_labels and set(labels) <= set(schema.span_labels):
            return None
        trained = str(metadata.get("schema", "native"))
        if trained not in {"native", ""} and trained != "None":
            return None  # trained on some other mapped schema: labels are what they are
        corpus = metadata.get("corpus")
        if not corpus or corpus not in schema.corpora:
            raise ConfigError(
                f"the model predicts labels {labels} of corpus {corpus!r}, which the {schema.name!r} "
                f"schema ({schema.source}) does not map; use --schema native to keep them"
            )
        rules = schema.rules_for(corpus)
        if rules is None:
            return None
        return cls(schema, corpus, rules)

    def __call__(self, doc: Document) -> Document:
        outgoing: dict[str, list[Relation]] = {}
        for rel in doc.relations:
            outgoing.setdefault(rel.source, []).append(rel)
        by_id = doc.span_by_id()
        spans: list[Span] = []
        dropped: set[str] = set()
        for span in doc.spans:
            rule = next((r for r in self.span_rules
                         if self.schema.matches(r, span, outgoing, by_id)), None)
            if rule is None:
                self.unmapped.add(span.label)
                spans.append(span)
            elif rule.get("drop"):
                dropped.add(span.id)
            else:
                spans.append(Span(span.start, span.end, rule["to"], span.id, dict(span.attributes),
                                  span.score, span.fragments))
        relations = []
        for rel in doc.relations:
            if rel.source in dropped or rel.target in dropped:
                continue
            label = self.relation_map.get(rel.label, rel.label)
            if label is None:
                continue
            relations.append(Relation(rel.source, rel.target, label, rel.id, dict(rel.attributes), rel.score))
        return doc.replace(spans=spans, relations=relations)

    def labels(self, native: list[str]) -> list[str]:
        """The labels the native ones map to without attributes or relations (for legends)."""
        out = []
        for label in native:
            span = Span(0, 1, label, "x")
            rule = next((r for r in self.span_rules if self.schema.matches(r, span, {}, {"x": span})), None)
            if rule is None:
                out.append(label)
            elif not rule.get("drop"):
                out.append(rule["to"])
        return sorted(set(out))


def check_schema_option(value: str) -> str:
    if value not in {"unified", "native"}:
        raise ConfigError(f"--schema must be 'unified' or 'native', got {value!r}")
    return value
