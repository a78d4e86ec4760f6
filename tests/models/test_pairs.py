"""Gold-component setting: pair records from the sample corpus, tree-shaped link decoding, and a
pair model step that yields the three macro F1 scores."""

from __future__ import annotations

from functools import partial

import lightning.pytorch as pl
import pytest
import torch

from argmine.data.pairs import PairDataModule
from argmine.encoding.features import WordCharFeaturizer
from argmine.models.pairs import ComponentPairModule, PairEncoder
from argmine.tasks.pairs import decode_links


def test_decode_links_keeps_one_best_target_per_source() -> None:
    probs = torch.tensor([[0.9, 0.8, 0.6], [0.2, 0.1, 0.4], [0.7, 0.95, 0.3]])
    # row 0: itself ignored, best 1 (.8); row 1: best .4 <= .5 -> none; row 2: best 1 (.95)
    assert decode_links(probs) == {(0, 1), (2, 1)}
    assert decode_links(torch.tensor([[0.99]])) == set()


def _datamodule() -> PairDataModule:
    dm = PairDataModule("sample", batch_size=4, limit_documents=2,
                        splits={"train": "train", "val": "train", "test": "train"})  # fmt: skip
    dm.prepare_corpus()
    return dm


def test_pair_records_of_the_first_sample_text() -> None:
    dm = _datamodule()
    doc = dm.documents["train"][0]
    recs = [r for r in dm.records["train"] if r.doc_index == 0]
    # sample-001: title paragraph has no components; then 1 + 3 + 3 components
    assert [len(r.types) for r in recs] == [1, 3, 3]
    second = recs[1]
    assert second.types == ["claim", "premise", "premise"]
    # p1 -> c1 and p2 -> c1 support; c1 -> mc1 leaves the paragraph (not a pair here)
    assert second.links == {(1, 0), (2, 0)}
    assert second.stances == ["support", "support", "support"]
    first, last = second.ranges[1]
    words = second.unit.token_texts(doc.text)[first:last]
    assert " ".join(words).startswith("Most accidents with pedestrians")
    third = recs[2]
    assert third.types == ["counter_argument", "premise", "premise"]
    assert third.stances[0] == "attack"


def _fitted() -> tuple[PairDataModule, WordCharFeaturizer, partial[PairEncoder]]:
    """The sample data module with a fitted featurizer attached, and a small encoder partial."""
    dm = _datamodule()
    featurizer = WordCharFeaturizer().fit(dm.train_words())
    dm.attach_featurizer(featurizer)
    net = partial(PairEncoder, word_dim=16, char_dim=8, char_filters=8, hidden_size=16, mlp_size=16, dropout=0.0)
    return dm, featurizer, net


def test_pair_model_trains_and_reports_macro_f1s() -> None:
    pl.seed_everything(0)
    dm, featurizer, net = _fitted()
    model = ComponentPairModule(net, partial(torch.optim.Adam, lr=0.01), featurizer, **dm.model_inputs())
    trainer = pl.Trainer(max_epochs=30, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, num_sanity_val_steps=0, check_val_every_n_epoch=1000)  # fmt: skip
    trainer.fit(model, datamodule=dm)
    (res,) = trainer.test(model, datamodule=dm, verbose=False)
    for name in ("type", "link", "stance"):
        assert res[f"test/{name}_macro_f1"] == 1.0, (name, res)


def test_class_counts_and_balanced_weights() -> None:
    from argmine.models.pairs import balanced_weights

    dm = _datamodule()
    counts = dm.class_counts()
    recs = dm.records["train"]
    types = [t for r in recs for t in r.types]
    assert counts["type"] == [types.count(label) for label in dm.type_labels]
    assert sum(counts["type"]) == len(types)
    stances = [s for r in recs for s in r.stances if s is not None]
    assert counts["stance"] == [stances.count("support"), stances.count("attack")]
    assert counts["stance"][1] >= 1  # sample-001 has an attack (test above)
    # hand-worked: 30 of one class, 10 of another -> 40 / (2 * 30), 40 / (2 * 10); unseen -> 0
    assert torch.allclose(balanced_weights([30, 10]), torch.tensor([40 / 60, 2.0]))
    assert torch.allclose(balanced_weights([3, 0, 1]), torch.tensor([4 / 6, 0.0, 2.0]))


def test_class_balance_weights_the_rare_class_loss() -> None:
    from argmine.errors import ConfigError

    pl.seed_everything(0)
    dm, featurizer, net = _fitted()
    inputs = dm.model_inputs()
    plain = ComponentPairModule(net, None, featurizer, **inputs)
    balanced = ComponentPairModule(net, None, featurizer, **inputs, class_balance=True)
    balanced.load_state_dict(plain.state_dict())  # the loss weights are not in the state dict
    batch = dm.collate("train", list(range(len(dm.records["train"]))))
    with torch.no_grad():
        reps = torch.cat(plain.net.spans(batch))
        types = torch.tensor([t for ts in batch["types"] for t in ts])
        logits = plain.net.type_head(reps)
        stances = torch.tensor([s for ss in batch["stances"] for s in ss])
        s_logits = plain.net.stance_head(reps)
        weights = balanced.type_weight
        expected_type = (torch.nn.functional.cross_entropy(logits, types, reduction="none") * weights[types]).sum() \
            / weights[types].sum()
        keep = stances >= 0
        sw = balanced.stance_weight_per_class[stances[keep]]
        expected_stance = (torch.nn.functional.cross_entropy(s_logits[keep], stances[keep], reduction="none")
                           * sw).sum() / sw.sum()
        unweighted = torch.nn.functional.cross_entropy(logits, types) + \
            torch.nn.functional.cross_entropy(s_logits[keep], stances[keep])
        plain_loss, _ = plain._losses(batch)
        balanced_loss, _ = balanced._losses(batch)
    # the link term is the same in both: the difference is exactly the weighting
    assert torch.allclose(balanced_loss - plain_loss, expected_type + expected_stance - unweighted, atol=1e-5)
    assert not torch.allclose(balanced_loss, plain_loss)
    with pytest.raises(ConfigError, match="class_balance"):
        ComponentPairModule(net, None, featurizer, type_labels=inputs["type_labels"], class_balance=True)
