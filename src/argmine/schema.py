"""Label schemas: map a corpus' native labels to another label set, declared in config files.

A schema lives in ``configs/schema/<name>.yaml`` (Hydra config group ``schema``)::

    _target_: argmine.schema.LabelSchema
    name: unified
    span_labels: [major_claim, claim, premise, counter_argument]
    relation_labels: [support, attack]
    default: error            # corpora not listed: "error" or "identity"
    corpora:
      aae2:
        spans:                # first matching rule wins
          - {label: MajorClaim, to: major_claim}
          - {label: Claim, attributes: {stance: Against}, to: counter_argument}
          - {label: Claim, to: claim}
        relations: {supports: support, attacks: attack}

Span rule keys (all conditions must hold):

- ``label``: a native label or a list of them (omitted: any label);
- ``attributes``: ``{name: value or [values]}`` the span's attributes must have;
- ``outgoing``: the span has an outgoing relation; a relation label, a list of labels, or a
  mapping ``{label: ..., target: <condition>}`` where ``target`` is a condition (these same keys)
  the relation's target span must meet;
- ``root``: ``true`` when the span has no outgoing relation at all (``false``: has one);
- ``to``: the new label, or ``drop: true`` to remove the span (relations touching it go too).

``relations`` maps each native relation label to a new label, or to ``null`` to drop it.
``relation_to_relation`` says what to do with relations that target another relation
(microtexts' undercuts): ``keep`` (default), ``source`` / ``target`` (retarget to the source /
target span of the relation they point at) or ``drop``; either one mode for every label or a
mapping ``{native relation label: mode}`` (unlisted labels: ``keep``). ``identity: true`` keeps every label as it is.

A native label without a rule raises :class:`~argmine.errors.ConfigError` naming the corpus,
the label and the schema file. Loading needs only omegaconf (no Hydra, no torch).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argmine.documents import Document, Relation, Span
from argmine.errors import ConfigError

_CONDITION_KEYS = {"label", "attributes", "outgoing", "root"}
_RULE_KEYS = _CONDITION_KEYS | {"to", "drop"}
_CORPUS_KEYS = {"spans", "relations", "identity", "relation_to_relation"}
_REL_TO_REL = {"keep", "source", "target", "drop"}


def config_dir() -> Path:
    """``$ARGMINE_CONFIG_DIR``, default the repository's ``configs/`` folder."""
    env = os.environ.get("ARGMINE_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[2] / "configs"


def _plain(value: Any) -> Any:
    """OmegaConf containers (as Hydra passes them) to plain dicts and lists."""
    try:
        # deferred: `import argmine.schema` stays free of omegaconf (only Hydra's configs need it)
        from omegaconf import DictConfig, ListConfig, OmegaConf
    except ImportError:  # pragma: no cover - omegaconf is a dependency
        return value
    if isinstance(value, DictConfig | ListConfig):
        return OmegaConf.to_container(value, resolve=True)
    return value


@dataclass
class LabelSchema:
    """A named label set plus per-corpus rules mapping native labels onto it.

    ``span_labels`` may be empty (the native schema): the labels are then those found in the
    data (:meth:`span_labels_for`). ``source`` is the file the schema came from, named in errors.
    """

    name: str
    span_labels: list[str] = field(default_factory=list)
    relation_labels: list[str] = field(default_factory=list)
    corpora: dict[str, Any] = field(default_factory=dict)
    default: str = "error"
    source: str = "<in memory>"

    def __post_init__(self) -> None:
        self.span_labels = list(_plain(self.span_labels) or [])
        self.relation_labels = list(_plain(self.relation_labels) or [])
        self.corpora = dict(_plain(self.corpora) or {})
        if self.default not in {"error", "identity"}:
            self._fail(f"default must be 'error' or 'identity', got {self.default!r}")
        for corpus, rules in self.corpora.items():
            self._check_corpus(corpus, rules)

    # -- validation ---------------------------------------------------------------------------
    def _fail(self, message: str) -> None:
        raise ConfigError(f"schema {self.name!r} ({self.source}): {message}")

    def _check_corpus(self, corpus: str, rules: Any) -> None:
        where = f"corpora.{corpus}"
        if not isinstance(rules, Mapping):
            self._fail(f"{where} must be a mapping, got {type(rules).__name__}")
        unknown = set(rules) - _CORPUS_KEYS
        if unknown:
            self._fail(f"{where} has unknown keys {sorted(unknown)}; allowed: {sorted(_CORPUS_KEYS)}")
        modes = rules.get("relation_to_relation", "keep")
        modes = modes.values() if isinstance(modes, Mapping) else [modes]
        if any(m not in _REL_TO_REL for m in modes):
            self._fail(f"{where}.relation_to_relation must be one of {sorted(_REL_TO_REL)} "
                       "or a mapping relation label -> one of them")
        for i, rule in enumerate(rules.get("spans") or []):
            at = f"{where}.spans[{i}]"
            if not isinstance(rule, Mapping):
                self._fail(f"{at} must be a mapping")
            unknown = set(rule) - _RULE_KEYS
            if unknown:
                self._fail(f"{at} has unknown keys {sorted(unknown)}; allowed: {sorted(_RULE_KEYS)}")
            if ("to" in rule) == bool(rule.get("drop")):
                self._fail(f"{at} needs exactly one of 'to: LABEL' or 'drop: true'")
            if "to" in rule and self.span_labels and rule["to"] not in self.span_labels:
                self._fail(f"{at} maps to {rule['to']!r}, not one of span_labels {self.span_labels}")
            self._check_condition(rule, at)
        relations = rules.get("relations") or {}
        if not isinstance(relations, Mapping):
            self._fail(f"{where}.relations must be a mapping native label -> label or null")
        for native, new in relations.items():
            if new is not None and self.relation_labels and new not in self.relation_labels:
                self._fail(
                    f"{where}.relations maps {native!r} to {new!r}, not one of relation_labels "
                    f"{self.relation_labels}"
                )

    def _check_condition(self, cond: Mapping[str, Any], at: str) -> None:
        if "attributes" in cond and not isinstance(cond["attributes"], Mapping):
            self._fail(f"{at}.attributes must be a mapping name -> value(s)")
        out = cond.get("outgoing")
        if isinstance(out, Mapping):
            unknown = set(out) - {"label", "target"}
            if unknown:
                self._fail(f"{at}.outgoing has unknown keys {sorted(unknown)}; allowed: label, target")
            if "target" in out:
                target = out["target"]
                if not isinstance(target, Mapping) or set(target) - _CONDITION_KEYS:
                    self._fail(f"{at}.outgoing.target must be a condition with keys {sorted(_CONDITION_KEYS)}")
                self._check_condition(target, f"{at}.outgoing.target")

    # -- application --------------------------------------------------------------------------
    def rules_for(self, corpus: str) -> dict[str, Any] | None:
        """The rules of ``corpus``; ``None`` means identity. Raises if the corpus is not covered."""
        if corpus in self.corpora:
            rules = self.corpora[corpus]
            return None if rules.get("identity") else rules
        if self.default == "identity":
            return None
        self._fail(
            f"no rules for corpus {corpus!r}; covered corpora: {sorted(self.corpora)}. "
            f"Add a 'corpora.{corpus}' entry to the schema file"
        )
        return None  # unreachable

    def native_labels(self, corpus: str) -> dict[str, tuple[str, dict[str, str]]] | None:
        """Each schema label of ``corpus`` back to its native label and the attributes its rule
        requires (unified ``counter_argument`` on the essays: ``("Claim", {"stance":
        "Against"})``), so a score can be computed on the corpus's own types.

        ``None`` when the mapping is the identity or cannot be inverted: a schema label fed by
        several native labels (CDCP's ``claim`` from policy and value), or a rule with
        ``outgoing`` / ``root`` conditions (microtexts), which no label alone restores.
        """
        rules = self.rules_for(corpus)
        if rules is None:
            return None
        out: dict[str, tuple[str, dict[str, str]]] = {}
        natives: dict[str, set[str]] = {}
        for rule in rules.get("spans") or []:
            if rule.get("drop"):
                continue
            label = rule.get("label")
            attributes = rule.get("attributes") or {}
            if (not isinstance(label, str) or "outgoing" in rule or "root" in rule
                    or not all(isinstance(v, str) for v in attributes.values())):
                return None
            natives.setdefault(rule["to"], set()).add(label)
            # the first rule (the most specific, as rules are tried in order) gives the attributes
            out.setdefault(rule["to"], (label, dict(attributes)))
        if any(len(labels) > 1 for labels in natives.values()):
            return None
        return out

    def check_mapped(self, docs: Iterable[Document], corpus: str) -> None:
        """Raise one :class:`ConfigError` naming every span label and relation label of ``docs``
        that no rule of ``corpus`` maps (with a count and an example document), before any
        document is mapped; :meth:`apply` would stop at the first one."""
        rules = self.rules_for(corpus)
        if rules is None:
            return
        span_rules, rel_map = rules.get("spans") or [], rules.get("relations") or {}
        unmapped: dict[tuple[str, str], list[Any]] = {}
        for doc in docs:
            outgoing: dict[str, list[Relation]] = {}
            for rel in doc.relations:
                outgoing.setdefault(rel.source, []).append(rel)
                if rel.label not in rel_map:
                    unmapped.setdefault(("relation", rel.label), [0, doc.id, {}])[0] += 1
            by_id = doc.span_by_id()
            for span in doc.spans:
                if not any(self.matches(rule, span, outgoing, by_id) for rule in span_rules):
                    unmapped.setdefault(("span", span.label), [0, doc.id, dict(span.attributes)])[0] += 1
        if unmapped:
            parts = [f"{kind} label {label!r} ({n}x, e.g. document {doc_id!r}" + (f" attributes {attrs}" if attrs else "")
                     + ")" for (kind, label), (n, doc_id, attrs) in sorted(unmapped.items())]
            self._fail(f"corpus {corpus!r} has labels no rule maps: {'; '.join(parts)}; add rules under "
                       f"corpora.{corpus}.spans / corpora.{corpus}.relations")

    def apply(self, doc: Document, corpus: str) -> Document:
        """A copy of ``doc`` with labels mapped; dropped spans take their relations with them."""
        rules = self.rules_for(corpus)
        if rules is None:
            return doc
        outgoing: dict[str, list[Relation]] = {}
        for rel in doc.relations:
            outgoing.setdefault(rel.source, []).append(rel)
        spans_by_id = doc.span_by_id()
        span_rules = rules.get("spans") or []
        spans: list[Span] = []
        for span in doc.spans:
            rule = next(
                (r for r in span_rules if self.matches(r, span, outgoing, spans_by_id)), None
            )
            if rule is None:
                self._fail(
                    f"corpus {corpus!r} (document {doc.id!r}): no rule maps span label "
                    f"{span.label!r} (attributes {dict(span.attributes)}); add a rule under "
                    f"corpora.{corpus}.spans"
                )
            if rule.get("drop"):
                continue
            spans.append(Span(span.start, span.end, rule["to"], span.id, dict(span.attributes),
                              span.score, span.fragments))
        kept = {s.id for s in spans}
        rel_map = rules.get("relations") or {}
        by_id = doc.relation_by_id()
        modes = rules.get("relation_to_relation", "keep")
        mapped: list[Relation] = []
        for rel in doc.relations:
            if rel.label not in rel_map:
                self._fail(
                    f"corpus {corpus!r} (document {doc.id!r}): no mapping for relation label "
                    f"{rel.label!r}; add it under corpora.{corpus}.relations (null drops it)"
                )
            new = rel_map[rel.label]
            if new is None or rel.source not in kept:
                continue
            target = rel.target
            if target in by_id:  # the target is a relation
                mode = modes.get(rel.label, "keep") if isinstance(modes, Mapping) else modes
                if mode == "drop":
                    continue
                if mode == "source":
                    target = by_id[target].source
                elif mode == "target":
                    target = _span_target(by_id, target)
            mapped.append(Relation(rel.source, target, new, rel.id, dict(rel.attributes), rel.score))
        # drop relations whose target is gone (a dropped span or a dropped relation), to a fixpoint
        while True:
            ids = kept | {r.id for r in mapped}
            keep = [r for r in mapped if r.target in ids]
            if len(keep) == len(mapped):
                break
            mapped = keep
        return doc.replace(spans=spans, relations=mapped)

    def matches(
        self,
        cond: Mapping[str, Any],
        span: Span,
        outgoing: Mapping[str, list[Relation]],
        spans_by_id: Mapping[str, Span],
    ) -> bool:
        """Whether ``span`` meets a rule's condition (``label``, ``attributes``, ``outgoing``,
        ``root``; see the module doc). ``outgoing`` maps span id -> its outgoing relations."""
        if "label" in cond and span.label not in _as_set(cond["label"]):
            return False
        for name, want in (cond.get("attributes") or {}).items():
            if span.attributes.get(name) not in _as_set(want):
                return False
        rels = outgoing.get(span.id, [])
        if "root" in cond and bool(cond["root"]) != (not rels):
            return False
        if "outgoing" in cond:
            spec = cond["outgoing"]
            if isinstance(spec, Mapping):
                labels = _as_set(spec["label"]) if "label" in spec else None
                target_cond = spec.get("target")
            else:
                labels, target_cond = _as_set(spec), None
            ok = False
            for rel in rels:
                if labels is not None and rel.label not in labels:
                    continue
                if target_cond is not None:
                    target = spans_by_id.get(rel.target)
                    if target is None or not self.matches(target_cond, target, outgoing, spans_by_id):
                        continue
                ok = True
                break
            if not ok:
                return False
        return True

    def apply_all(self, docs: Iterable[Document], corpus: str) -> list[Document]:
        return [self.apply(d, corpus) for d in docs]

    def span_labels_for(self, docs: Iterable[Document]) -> list[str]:
        """``span_labels``, or (when empty) the sorted labels found in ``docs``."""
        if self.span_labels:
            return list(self.span_labels)
        return sorted({s.label for d in docs for s in d.spans})

    def relation_labels_for(self, docs: Iterable[Document]) -> list[str]:
        """``relation_labels``, or (when empty) the sorted relation labels found in ``docs``."""
        if self.relation_labels:
            return list(self.relation_labels)
        return sorted({r.label for d in docs for r in d.relations})


def _span_target(by_id: Mapping[str, Relation], rel_id: str) -> str:
    """The span a relation points at, following relation-to-relation links."""
    seen: set[str] = set()
    while rel_id in by_id and rel_id not in seen:
        seen.add(rel_id)
        rel_id = by_id[rel_id].target
    return rel_id


def _as_set(value: Any) -> set[str]:
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return {str(value)}


def load_schema(name_or_path: str | Path) -> LabelSchema:
    """Read a schema: a name under ``configs/schema/`` (``native``, ``unified``) or a YAML path."""
    # deferred: `import argmine.schema` stays free of omegaconf; only reading a schema file needs it
    from omegaconf import OmegaConf

    candidate = Path(name_or_path)
    if candidate.suffix in {".yaml", ".yml"} or len(candidate.parts) > 1:
        path = candidate
    else:
        path = config_dir() / "schema" / f"{name_or_path}.yaml"
    if not path.is_file():
        available = sorted(p.stem for p in (config_dir() / "schema").glob("*.yaml"))
        raise ConfigError(f"schema {str(name_or_path)!r} not found at {path}; available: {available}")
    try:
        data = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    except Exception as exc:  # omegaconf/yaml raise many kinds
        raise ConfigError(f"{path}: cannot read schema: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a schema file must hold a mapping")
    data.pop("_target_", None)
    data.pop("defaults", None)
    allowed = {"name", "span_labels", "relation_labels", "corpora", "default"}
    unknown = set(data) - allowed
    if unknown:
        raise ConfigError(f"{path}: unknown schema keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    data.setdefault("name", path.stem)
    return LabelSchema(**data, source=str(path))


def to_native(spans: Iterable[Span], labels: Mapping[str, tuple[str, Mapping[str, str]]]) -> list[Span]:
    """``spans`` relabelled with :meth:`LabelSchema.native_labels` output; the rule's attributes
    are added where a span lacks them (its own values win). Unlisted labels stay."""
    out = []
    for span in spans:
        if span.label in labels:
            native, attributes = labels[span.label]
            span = Span(span.start, span.end, native, span.id, {**attributes, **span.attributes},
                        span.score, span.fragments)
        out.append(span)
    return out
