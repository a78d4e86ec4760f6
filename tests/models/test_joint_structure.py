"""Joint components + relations: well-formed decoding, per-document R-F1, counter-arguments, and a
tiny joint model that overfits sample documents to perfect component and relation F1."""

from __future__ import annotations

from functools import partial

import lightning.pytorch as pl
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from argmine.documents import Document, Relation, Span
from argmine.encoding.features import WordCharFeaturizer
from argmine.encoding.stance import derive_counter_arguments
from argmine.encoding.structure import decode_structure
from argmine.encoding.tags import tags_to_spans
from argmine.metrics import ComponentMetrics, document_relations
from argmine.models import TaggerModule
from argmine.models.bilstm_cnn_crf import BiLSTMCNNCRF

LABELS = [
    "MajorClaim", "Claim:For", "Claim:Against", "Premise:-1:Support", "Premise:2:Attack",
    "Premise:-3:Support", "Premise:1:Support", "Premise:0:Support", "Premise:x:Support",
]  # fmt: skip
TAG = st.one_of(st.just("O"), st.tuples(st.sampled_from("BI"), st.sampled_from(LABELS)).map("-".join))


@settings(max_examples=300, deadline=None)
@given(st.lists(TAG, max_size=40))
def test_decoding_never_links_to_a_missing_component(tags: list[str]) -> None:
    tokens = [(2 * i, 2 * i + 1) for i in range(len(tags))]
    triples = tags_to_spans(tokens, tags, "BIO")
    spans, relations = decode_structure([Span(a, b, lab) for a, b, lab in triples])
    ids = {s.id for s in spans}
    assert len(ids) == len(spans)
    for rel in relations:
        assert rel.source in ids and rel.target in ids and rel.source != rel.target
    # tree constraint: each component has at most one outgoing link
    sources = [r.source for r in relations]
    assert len(sources) == len(set(sources))
    assert all(":" not in s.label for s in spans)


def test_document_level_r_f1_with_a_claim_in_another_paragraph() -> None:
    # one essay, token numbering over the whole document: MajorClaim m (tokens 0-4) in paragraph 1,
    # Claim c (10-14, For) and Premise p (15-19) supporting it in paragraph 2.
    gold = [Span(0, 5, "MajorClaim", id="m"), Span(10, 15, "Claim", id="c", attributes={"stance": "For"}),
            Span(15, 20, "Premise", id="p")]  # fmt: skip
    gold_rel = [Relation("p", "c", "supports")]
    # predicted: M exact; C = tokens 11-14 (4/5 = .8 of c); P = tokens 17-19 (3/5 = .6 of p)
    pred = [Span(0, 5, "MajorClaim", id="M"), Span(11, 15, "Claim", id="C", attributes={"stance": "For"}),
            Span(17, 20, "Premise", id="P")]  # fmt: skip
    pred_rel = [Relation("P", "C", "supports")]
    metric = ComponentMetrics(["MajorClaim", "Claim", "Premise"], with_relations=True)
    table = lambda spans: {s.id: (s.start, s.end, s.label) for s in spans}  # noqa: E731
    metric.update(table(pred), table(gold), doc_pred_relations=document_relations(pred, pred_rel),
                  doc_gold_relations=document_relations(gold, gold_rel))
    res = metric.compute()
    # relations on both sides: m->ROOT, c->m (For, across paragraphs), p->c (supports).
    # exact: only M->ROOT matches -> tp1 fp2 fn2 -> 2/6; at 50% all three endpoints match -> 1
    assert float(res["r_f1_doc_exact"]) == 2 / 6
    assert float(res["r_f1_doc_50"]) == 1.0
    assert float(res["c_f1_exact"]) == 1 / 3 and float(res["c_f1_50"]) == 1.0


def test_derive_counter_arguments() -> None:
    doc = Document(
        "d", "x" * 40,
        spans=[Span(0, 5, "MajorClaim", id="m"), Span(6, 10, "Claim", id="c1", attributes={"stance": "For"}),
               Span(11, 15, "Claim", id="c2", attributes={"stance": "Against"}), Span(16, 20, "Premise", id="p1"),
               Span(21, 25, "Premise", id="p2")],
        relations=[Relation("p1", "c1", "attacks", id="R1"), Relation("p2", "c1", "supports", id="R2")],
    )  # fmt: skip
    marked = derive_counter_arguments(doc)
    assert {s.id: s.attributes["counter_argument"] for s in marked.spans} == {
        "m": "false", "c1": "false", "c2": "true", "p1": "true", "p2": "false"}  # fmt: skip
    relabelled = derive_counter_arguments(doc, relabel=True)
    assert [s.label for s in relabelled.spans] == [
        "MajorClaim", "Claim", "counter_argument", "counter_argument", "Premise"]  # fmt: skip
    assert relabelled.spans[3].attributes["original_label"] == "Premise"
    assert doc.spans[2].label == "Claim"  # the input is unchanged


def test_tiny_joint_model_overfits_sample_documents(sample_structure_dm, overfit_trainer) -> None:
    pl.seed_everything(0)
    torch.use_deterministic_algorithms(False)
    dm = sample_structure_dm()
    featurizer = WordCharFeaturizer().fit(dm.train_words())
    dm.attach_featurizer(featurizer)
    net = partial(BiLSTMCNNCRF, word_dim=32, char_dim=8, char_filters=8, hidden_size=64, dropout=0.0)
    model = TaggerModule(net, partial(torch.optim.Adam, lr=0.02), featurizer, **dm.model_inputs())
    assert model.target == "structure"
    trainer = overfit_trainer(60)
    trainer.fit(model, datamodule=dm)
    (res,) = trainer.test(model, datamodule=dm, verbose=False)
    for key in ("test/c_f1_exact", "test/c_f1_50", "test/r_f1_exact", "test/r_f1_50",
                "test/r_f1_doc_exact", "test/r_f1_doc_50"):
        assert res[key] == 1.0, (key, res)
    pred = model.predictions["test"]
    gold = dm.documents["test"]
    assert len(pred) == 3
    for p, g in zip(pred, gold, strict=True):
        assert [(s.start, s.end, s.label) for s in p.spans] == [(s.start, s.end, s.label) for s in g.spans]
        assert len(p.relations) == len(g.relations)
        assert all("counter_argument" in s.attributes for s in p.spans)
    # raw-text prediction with the same model gives the same components, relations and the
    # derived counter-argument marks
    from argmine.predict.predictor import Predictor

    predictor = Predictor(model.eval(), unit="document")
    for p, g in zip(predictor.predict_many([g.text for g in gold]), gold, strict=True):
        assert [(s.start, s.end, s.label) for s in p.spans] == [(s.start, s.end, s.label) for s in g.spans]
        assert len(p.relations) == len(g.relations)
        counters = {s.id for s in p.spans if s.attributes.get("counter_argument") == "true"}
        attackers = {r.source for r in p.relations if r.label.startswith("attack")}
        against = {s.id for s in p.spans if s.attributes.get("stance") == "Against"}
        assert counters == attackers | against


def test_document_relations_score_brat_and_conll_relation_names_as_one_type() -> None:
    # the brat files say "supports", Eger's CoNLL files (and their R-F1 script) "Support":
    # a decoded relation must match a gold one whichever spelling each side uses
    spans = [Span(0, 5, "Premise", id="a"), Span(6, 9, "Claim", id="b", attributes={"stance": "For"})]
    pred = document_relations(spans, [Relation("a", "b", "supports")])
    gold = document_relations(spans, [Relation("a", "b", "Support")])
    assert sorted(pred, key=str) == sorted(gold, key=str)
    assert ("a", "b", "Support") in gold
    assert ("a", "b", "Attack") in document_relations(spans, [Relation("a", "b", "attacks")])


def test_a_schema_run_is_scored_on_the_native_types_and_under_the_schema_name(overfit_trainer) -> None:
    # a schema that renames the sample's labels: the model learns the renamed labels, C-F1 and
    # R-F1 are computed on the sample's own ones, the renamed ones as c_*_renamed_*
    from argmine.data import ArgumentDataModule
    from argmine.schema import LabelSchema

    rules = [{"label": n, "to": n.title().replace("_", "")} for n in ("major_claim", "claim", "premise", "counter_argument")]
    schema = LabelSchema("renamed", corpora={"sample": {"spans": rules, "relations": {"support": "support", "attack": "attack"}}})
    dm = ArgumentDataModule("sample", unit="document", target="structure", batch_size=3, limit_documents=3,
                            schema=schema, splits={"train": "train", "val": "train", "test": "train"})
    dm.prepare_corpus()
    assert dm.native_types()["labels"]["MajorClaim"] == ["major_claim", {}]
    pl.seed_everything(0)
    featurizer = WordCharFeaturizer().fit(dm.train_words())
    dm.attach_featurizer(featurizer)
    net = partial(BiLSTMCNNCRF, word_dim=32, char_dim=8, char_filters=8, hidden_size=64, dropout=0.0)
    model = TaggerModule(net, partial(torch.optim.Adam, lr=0.02), featurizer, **dm.model_inputs())
    assert model.span_labels == ["Claim", "CounterArgument", "MajorClaim", "Premise"]
    assert model.metrics["test"].labels == ["claim", "counter_argument", "major_claim", "premise"]
    trainer = overfit_trainer(60)
    trainer.fit(model, datamodule=dm)
    (res,) = trainer.test(model, datamodule=dm, verbose=False)
    for key in ("test/c_f1_exact", "test/c_f1_renamed_exact", "test/c_f1_renamed_50", "test/r_f1_exact",
                "test/f1_exact/major_claim", "test/f1_renamed_exact/MajorClaim"):
        assert res[key] == 1.0, (key, res)
    assert "test/f1_exact/MajorClaim" not in res
    # the state exports the mapping, so an exported model scores the same way
    assert model.export_state()["native_types"]["schema"] == "renamed"
