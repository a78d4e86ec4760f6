"""Label schemas from configs/schema/*.yaml: rules, errors, and no Hydra/torch on load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from argmine.documents import Document, Relation, Span
from argmine.errors import ConfigError
from argmine.schema import LabelSchema, config_dir, load_schema

TEXT = "We should act. Costs rise. Some disagree. They are wrong. Shops close."


def _aae_doc() -> Document:
    return Document(
        "e1",
        TEXT,
        [
            Span(0, 13, "MajorClaim", "T1"),
            Span(15, 25, "Premise", "T2"),
            Span(27, 40, "Claim", "T3", {"stance": "Against"}),
            Span(42, 56, "Premise", "T4"),
            Span(58, 69, "Claim", "T5", {"stance": "For"}),
        ],
        [Relation("T2", "T5", "supports"), Relation("T4", "T3", "attacks")],
    )


def test_config_dir_is_the_repository_configs() -> None:
    assert config_dir() == Path(__file__).resolve().parents[1] / "configs"
    assert (config_dir() / "schema" / "unified.yaml").is_file()


def test_unified_aae2() -> None:
    out = load_schema("unified").apply(_aae_doc(), "aae2")
    assert [s.label for s in out.spans] == ["major_claim", "premise", "counter_argument", "premise", "claim"]
    assert [(r.source, r.target, r.label) for r in out.relations] == [
        ("T2", "T5", "support"), ("T4", "T3", "attack"),
    ]
    assert out.spans[2].attributes == {"stance": "Against"}  # attributes are kept
    assert out.text == TEXT


def test_native_is_identity_for_any_corpus() -> None:
    schema = load_schema("native")
    doc = _aae_doc()
    assert schema.apply(doc, "aae2") is doc
    assert schema.apply(doc, "anything") is doc
    assert schema.span_labels_for([doc]) == ["Claim", "MajorClaim", "Premise"]
    assert schema.relation_labels_for([doc]) == ["attacks", "supports"]
    assert load_schema("unified").span_labels_for([doc]) == [
        "major_claim", "claim", "premise", "counter_argument"
    ]


def test_unmapped_label_names_corpus_label_and_file() -> None:
    doc = Document("e2", TEXT, [Span(0, 13, "Thesis", "T1")])
    with pytest.raises(ConfigError) as info:
        load_schema("unified").apply(doc, "aae2")
    msg = str(info.value)
    assert "'aae2'" in msg and "'Thesis'" in msg and str(config_dir() / "schema" / "unified.yaml") in msg
    rel_doc = Document("e3", TEXT, [Span(0, 13, "MajorClaim"), Span(15, 25, "Premise")],
                       [Relation("T2", "T1", "explains")])
    with pytest.raises(ConfigError, match="no mapping for relation label 'explains'"):
        load_schema("unified").apply(rel_doc, "aae2")


def test_unknown_corpus_and_unknown_schema() -> None:
    with pytest.raises(ConfigError, match="no rules for corpus 'other'"):
        load_schema("unified").apply(_aae_doc(), "other")
    with pytest.raises(ConfigError, match=r"schema 'nope' not found .* available: \[.*'native', 'unified'\]"):
        load_schema("nope")


def _microtext() -> Document:
    # central claim T1; T2 supports it (claim); T3 supports T2 (premise); T4 opp rebuts T1;
    # T5 undercuts the support r2 (T3 -> T2); T6 is added to the support r1 (linked premise).
    text = "a1 b2 c3 d4 e5 f6"
    spans = [Span(3 * i, 3 * i + 2, "ADU", f"T{i + 1}", {"role": "pro"}) for i in range(6)]
    spans[0] = Span(0, 2, "ADU", "T1", {"role": "pro", "central_claim": "true"})
    spans[3] = Span(9, 11, "ADU", "T4", {"role": "opp"})
    rels = [
        Relation("T2", "T1", "sup", "r1"), Relation("T3", "T2", "sup", "r2"),
        Relation("T4", "T1", "reb", "r3"), Relation("T5", "r2", "und", "r4"),
        Relation("T6", "r1", "add", "r5"),
    ]
    return Document("m1", text, spans, rels)


def test_unified_microtexts_rules() -> None:
    out = load_schema("unified").apply(_microtext(), "microtexts")
    assert [s.label for s in out.spans] == [
        "major_claim", "claim", "premise", "counter_argument", "premise", "premise"
    ]
    assert [(r.source, r.target, r.label) for r in out.relations] == [
        ("T2", "T1", "support"), ("T3", "T2", "support"), ("T4", "T1", "attack"),
        ("T5", "T3", "attack"),  # undercut -> source of the attacked edge
        ("T6", "T1", "support"),  # add -> the span the linked support points at
    ]


def test_drop_rule_removes_spans_and_their_relations() -> None:
    schema = LabelSchema(
        "toy", ["claim"], ["support"],
        {"c": {"spans": [{"label": "Lead", "drop": True}, {"label": "Claim", "to": "claim"}],
               "relations": {"sup": "support", "other": None}}},
    )
    doc = Document("d", "ab cd ef", [Span(0, 2, "Lead", "L"), Span(3, 5, "Claim", "C"),
                                     Span(6, 8, "Claim", "D")],
                   [Relation("L", "C", "sup", "r1"), Relation("D", "C", "sup", "r2"),
                    Relation("C", "r1", "sup", "r3"), Relation("D", "C", "other", "r4")])
    out = schema.apply(doc, "c")
    assert [s.id for s in out.spans] == ["C", "D"]
    assert [r.id for r in out.relations] == ["r2"]  # r1 (from L) and r3 (to r1) and r4 (null) gone


def test_rule_file_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match=r"corpora\.x\.spans\[0\] needs exactly one of"):
        LabelSchema("bad", [], [], {"x": {"spans": [{"label": "A"}]}})
    with pytest.raises(ConfigError, match=r"maps to 'claim_x', not one of span_labels"):
        LabelSchema("bad", ["claim"], [], {"x": {"spans": [{"label": "A", "to": "claim_x"}]}})
    with pytest.raises(ConfigError, match=r"unknown keys \['colour'\]"):
        LabelSchema("bad", [], [], {"x": {"spans": [{"label": "A", "to": "a", "colour": 1}]}})


def test_yaml_path_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("_target_: argmine.schema.LabelSchema\nspan_labels: [x]\ncorpora:\n"
                    "  sample: {spans: [{to: x}], relations: {support: null, attack: null}}\n")
    schema = load_schema(path)
    assert schema.name == "mine" and schema.source == str(path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: b\nlabels: [x]\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: unknown schema keys \['labels'\]"):
        load_schema(bad)


def test_hydra_instantiate_builds_the_same_schema() -> None:
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    cfg = OmegaConf.load(config_dir() / "schema" / "unified.yaml")
    schema = instantiate(cfg, _convert_="none")
    assert isinstance(schema, LabelSchema)
    assert schema.corpora == load_schema("unified").corpora


def test_loading_a_schema_imports_neither_hydra_nor_torch() -> None:
    code = ("import sys; from argmine.schema import load_schema; load_schema('unified');"
            "print(sorted(m for m in ('torch', 'hydra', 'lightning') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_native_labels_invert_only_label_and_attribute_rules() -> None:
    from argmine.schema import load_schema, to_native

    unified = load_schema("unified")
    assert unified.native_labels("aae2") == {
        "major_claim": ("MajorClaim", {}), "counter_argument": ("Claim", {"stance": "Against"}),
        "claim": ("Claim", {}), "premise": ("Premise", {}),
    }  # fmt: skip
    # CDCP's claim comes from two native labels, microtexts' claim from an `outgoing` rule,
    # the sample corpus is the identity: nothing to invert
    assert unified.native_labels("cdcp") is None
    assert unified.native_labels("microtexts") is None
    assert unified.native_labels("sample") is None
    spans = [Span(0, 3, "counter_argument", "a"), Span(4, 6, "claim", "b", {"stance": "For"})]
    back = to_native(spans, unified.native_labels("aae2"))
    assert [(s.label, s.attributes) for s in back] == [("Claim", {"stance": "Against"}), ("Claim", {"stance": "For"})]
