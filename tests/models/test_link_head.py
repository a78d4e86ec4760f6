"""The joint tagger's link head: gold links read from compound tags, well-formed decoding, and a
tiny MiniLM tagger + link head that overfits sample documents to perfect relation F1."""

from __future__ import annotations

from functools import partial

import lightning.pytorch as pl
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from argmine.encoding.structure import relation_names_in, structure_from_tags
from argmine.models.links import LinkScorer


def test_structure_from_tags_reads_spans_and_links() -> None:
    tags = ["B-MajorClaim", "I-MajorClaim", "O", "B-Claim:For", "B-Premise:-1:Support",
            "I-Premise:-1:Support", "O", "B-Premise:-2:Attack", "B-Premise:3:Support"]  # fmt: skip
    assert structure_from_tags(tags) == [
        (0, 2, "MajorClaim", None, None),
        (3, 4, "Claim", None, None),
        (4, 6, "Premise", 1, "Support"),
        (7, 8, "Premise", 1, "Attack"),
        # distance 3 points past the last span (e.g. outside a training window): no target,
        # but the relation name says a link exists, so the loss skips this span
        (8, 9, "Premise", None, "Support"),
    ]
    assert relation_names_in(["Claim:For", "Premise:-1:Support", "Premise:2:Attack"]) == [
        "Attack", "Support"
    ]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 11), st.integers(1, 4)), max_size=6), st.integers(0, 1000))
def test_link_decoding_targets_existing_other_spans(raw: list[tuple[int, int]], seed: int) -> None:
    torch.manual_seed(seed)
    scorer = LinkScorer(8, ["Attack", "Support"], hidden=8).eval()
    with torch.no_grad():  # random biaffine weights, so that links are actually chosen
        scorer.bilinear.normal_()
    bounds = [(a, min(a + n, 16)) for a, n in raw]
    links = scorer.decode(torch.randn(16, 8), bounds)
    assert len(links) == len(bounds)
    for i, link in enumerate(links):
        if link is not None:
            target, name, score = link
            assert 0 <= target < len(bounds) and target != i
            assert name in ("Attack", "Support") and 0.0 < score <= 1.0


@pytest.mark.parametrize("context", [False, True])
def test_link_scorer_learns_gold_links_of_two_rows(context: bool) -> None:
    torch.manual_seed(0)
    words = torch.randn(2, 10, 6)
    structures = [
        [(0, 2, "Claim", None, None), (3, 5, "Premise", 0, "Support"), (6, 9, "Premise", 1, "Attack")],
        [(1, 4, "Premise", 1, "Support"), (5, 7, "Claim", None, None), (8, 10, "Premise", None, "Support")],
    ]
    scorer = LinkScorer(6, ["Attack", "Support"], hidden=16, dropout=0.0, context=context)
    optim = torch.optim.Adam(scorer.parameters(), lr=0.01)
    first = None
    for _ in range(150):
        optim.zero_grad()
        loss = scorer.loss(words, structures)
        first = float(loss.detach()) if first is None else first
        loss.backward()
        optim.step()
    assert float(loss.detach()) < 0.05 * first
    scorer.eval()
    assert scorer.decode(words[0], [(0, 2), (3, 5), (6, 9)]) == [
        None, (0, "Support", pytest.approx(1.0, abs=0.05)), (1, "Attack", pytest.approx(1.0, abs=0.05))
    ]
    # the third span of row 2 links outside the row: not scored, so its decoded link is free
    assert scorer.decode(words[1], [(1, 4), (5, 7), (8, 10)])[:2] == [
        (1, "Support", pytest.approx(1.0, abs=0.05)), None
    ]


@pytest.mark.slow
def test_tiny_minilm_joint_model_with_link_head_overfits(tmp_path, sample_structure_dm, overfit_trainer) -> None:
    from argmine.encoding.features import SubwordFeaturizer
    from argmine.models import TaggerModule
    from argmine.models.export import export_model, load_module
    from argmine.models.transformer_tagger import TransformerTagger
    from argmine.predict.predictor import Predictor

    pl.seed_everything(0)
    dm = sample_structure_dm()
    featurizer = SubwordFeaturizer("minilm", max_length=256, stride=32)
    dm.attach_featurizer(featurizer)
    net = partial(TransformerTagger, model_name_or_path="minilm", head="crf", link_head=True, dropout=0.0,
                  tag_distances=False)
    model = TaggerModule(net, partial(torch.optim.AdamW, lr=3e-4), featurizer, **dm.model_inputs())
    assert model.net.links is not None and {"attack", "support"} <= set(model.net.links.relations)
    trainer = overfit_trainer(30)
    trainer.fit(model, datamodule=dm)
    (res,) = trainer.test(model, datamodule=dm, verbose=False)
    for key in ("test/c_f1_exact", "test/r_f1_exact"):
        assert res[key] == 1.0, (key, res)
    gold = dm.documents["test"]
    # the exported model (safetensors + JSON) predicts the same relations from raw text
    export_model(model, tmp_path / "model")
    loaded = load_module(tmp_path / "model")
    assert loaded.net.links is not None
    predictor = Predictor(loaded.eval(), unit="document")
    for p, g in zip(predictor.predict_many([g.text for g in gold]), gold, strict=True):
        assert [(s.start, s.end, s.label) for s in p.spans] == [(s.start, s.end, s.label) for s in g.spans]
        ids = {s.id: (s.start, s.end) for s in p.spans}
        gids = {s.id: (s.start, s.end) for s in g.spans}
        gold_links = {(gids[r.source], gids[r.target], r.label) for r in g.relations if "derived" not in r.attributes}
        assert {(ids[r.source], ids[r.target], r.label) for r in p.relations} == gold_links


def test_link_free_tags() -> None:
    from argmine.models.links import link_free_tags

    tags = ["O", "B-MajorClaim", "I-MajorClaim", "B-Premise:-1:Support", "I-Premise:-1:Support",
            "B-Claim:For", "I-Claim:For", "B-Premise:1:Attack", "I-Premise:1:Attack"]  # fmt: skip
    vocab, mapping = link_free_tags(tags, "BIO")
    assert vocab.tags == ["O", "B-MajorClaim", "I-MajorClaim", "B-Premise", "I-Premise", "B-Claim:For",
                          "I-Claim:For"]  # fmt: skip
    assert [vocab.tags[i] for i in mapping] == [
        "O", "B-MajorClaim", "I-MajorClaim", "B-Premise", "I-Premise", "B-Claim:For", "I-Claim:For",
        "B-Premise", "I-Premise"]  # fmt: skip


@pytest.mark.parametrize("tag_distances", [True, False])
def test_tiny_bilstm_joint_model_with_link_head_overfits(tag_distances: bool, sample_structure_dm, overfit_trainer) -> None:
    from argmine.encoding.features import WordCharFeaturizer
    from argmine.models import TaggerModule
    from argmine.models.bilstm_cnn_crf import BiLSTMCNNCRF

    pl.seed_everything(0)
    dm = sample_structure_dm()
    featurizer = WordCharFeaturizer().fit(dm.train_words())
    dm.attach_featurizer(featurizer)
    net = partial(BiLSTMCNNCRF, word_dim=32, char_dim=8, char_filters=8, hidden_size=64, dropout=0.0,
                  link_head=True, link_hidden=32, tag_distances=tag_distances,
                  link_constraints=not tag_distances)  # fmt: skip
    model = TaggerModule(net, partial(torch.optim.Adam, lr=0.02), featurizer, **dm.model_inputs())
    assert model.net.links is not None
    # without distances the CRF has only the link-free tags (O + B/I per label and stance)
    assert (len(model.decode_vocab) < len(model.tag_vocab)) is not tag_distances
    trainer = overfit_trainer(60)
    trainer.fit(model, datamodule=dm)
    (res,) = trainer.test(model, datamodule=dm, verbose=False)
    for key in ("test/c_f1_exact", "test/r_f1_exact", "test/r_f1_50", "test/token_accuracy"):
        assert res[key] == 1.0, (key, res)


def test_link_head_needs_structure_tags() -> None:
    from argmine.errors import ConfigError
    from argmine.models.bilstm_cnn_crf import BiLSTMCNNCRF

    with pytest.raises(ConfigError, match="target=structure"):
        BiLSTMCNNCRF(10, 5, 3, link_head=True, link_tags=["O", "B-Claim", "I-Claim"])
    with pytest.raises(ConfigError, match="link_head=true"):
        BiLSTMCNNCRF(10, 5, 3, tag_distances=False, link_tags=["O", "B-Claim", "I-Claim"])


def test_data_derived_link_rule_per_span_type() -> None:
    torch.manual_seed(0)
    scorer = LinkScorer(4, ["Support"], hidden=8, span_labels=["Claim", "Premise", "Stance"], constrain=True)
    structures = [[(0, 2, "Claim", None, None), (2, 4, "Premise", 0, "Support"), (4, 6, "Stance", None, None)],
                  [(0, 3, "Stance", 1, "Support"), (3, 6, "Claim", None, None)]]  # fmt: skip
    scorer.train()
    scorer.loss(torch.randn(2, 6, 4), structures)
    # counted from the gold spans while training: claims 0/2 linked, premises 1/1, stance 1/2
    assert scorer.label_spans.tolist() == [2.0, 1.0, 2.0]
    assert scorer.label_links.tolist() == [0.0, 1.0, 1.0]
    assert [scorer.link_rule(x) for x in ("Claim", "Premise", "Stance", "Other")] == [
        "never", "always", "free", "free"]  # fmt: skip
    scorer.eval()
    with torch.no_grad():  # make every span prefer "no link" by far
        scorer.no_link.bias.fill_(100.0)
    words, bounds = torch.randn(6, 4), [(0, 2), (2, 4), (4, 6)]
    free = scorer.decode(words, bounds)
    assert free == [None, None, None]
    ruled = scorer.decode(words, bounds, ["Claim", "Premise", "Stance"])
    assert ruled[0] is None and ruled[2] is None
    assert ruled[1] is not None and ruled[1][0] in (0, 2) and ruled[1][1] == "Support"
    # a lone span has nothing to link to, whatever its type
    assert scorer.decode(words, [(2, 4)], ["Premise"]) == [None]
    # the counts are buffers: they travel with the weights
    assert {"label_spans", "label_links"} <= set(scorer.state_dict())
    scorer.constrain = False
    assert scorer.decode(words, bounds, ["Claim", "Premise", "Stance"]) == [None, None, None]
