"""``fold_splits``: grouped, deterministic k-fold assignment; ``cv_splits`` on microtexts."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from argmine.documents import Document
from argmine.errors import ConfigError
from argmine.sweeps.cv import cv_splits, fold_splits


def _docs() -> list[Document]:
    # 10 documents; d1/d2/d3 share a duplicate group, d6/d7 share another
    group = {"d1": "g1", "d2": "g1", "d3": "g1", "d6": "g6", "d7": "g6"}
    return [Document(id=f"d{i}", text=f"Text number {i}.", split="train",
                     metadata={"duplicate_group": group[f"d{i}"]} if f"d{i}" in group else {})
            for i in range(10)]


def test_every_document_is_held_out_once_and_groups_stay_together() -> None:
    docs = _docs()
    folds = fold_splits(docs, 3, seed=0)
    assert len(folds) == 3
    held = [doc_id for f in folds for doc_id in f["test_ids"]]
    assert sorted(held) == sorted(d.id for d in docs)
    for f in folds:
        assert set(f["train_ids"]) | set(f["test_ids"]) == {d.id for d in docs}
        assert not set(f["train_ids"]) & set(f["test_ids"])
        for group in ({"d1", "d2", "d3"}, {"d6", "d7"}):
            assert group <= set(f["test_ids"]) or not group & set(f["test_ids"])
    # 7 groups of sizes 3, 2, 1, 1, 1, 1, 1: fold sizes differ by at most the largest group
    sizes = [len(f["test_ids"]) for f in folds]
    assert sum(sizes) == 10 and max(sizes) - min(sizes) <= 3
    # document order is kept inside each part
    order = [d.id for d in docs]
    for f in folds:
        assert f["test_ids"] == [i for i in order if i in f["test_ids"]]


def test_folds_are_deterministic_for_a_seed() -> None:
    docs = _docs()
    assert fold_splits(docs, 3, seed=5) == fold_splits(docs, 3, seed=5)
    assert any(fold_splits(docs, 3, seed=s) != fold_splits(docs, 3, seed=5) for s in range(5))


def test_bad_fold_counts_are_refused() -> None:
    with pytest.raises(ConfigError, match="cv.folds must be an integer >= 2"):
        fold_splits(_docs(), 1)
    with pytest.raises(ConfigError, match="only 7 document group"):
        fold_splits(_docs(), 8)


@pytest.mark.corpora
def test_microtexts_10x5_and_kfold(shared_corpora: Path) -> None:
    data = {"corpus": "microtexts", "root": str(shared_corpora / "arg_microtexts"), "reader": {"part": 1}}
    fixed, has_test = cv_splits(OmegaConf.create({"cv": {"scheme": "corpus", "folds": 50}, "data": data}))
    assert not has_test and len(fixed) == 50
    for iteration in range(10):  # every 5 consecutive folds hold out each of the 112 texts once
        held = [i for f in fixed[5 * iteration: 5 * iteration + 5] for i in f["test_ids"]]
        assert len(held) == len(set(held)) == 112
    assert all(len(f["train_ids"]) + len(f["test_ids"]) == 112 for f in fixed)
    kfold, _ = cv_splits(OmegaConf.create({"cv": {"scheme": "kfold", "folds": 5, "seed": 0}, "data": data}))
    assert sorted(len(f["test_ids"]) for f in kfold) == [22, 22, 22, 23, 23]
    with pytest.raises(ConfigError, match="cv.folds=5 but corpus 'microtexts' stores 50 folds"):
        cv_splits(OmegaConf.create({"cv": {"scheme": "corpus", "folds": 5}, "data": data}))


def test_fold_config_for_one_fold_of_the_sample_corpus() -> None:
    from argmine.corpora import load_corpus
    from argmine.sweeps.cv import fold_config

    cfg = OmegaConf.create({
        "cv": {"scheme": "kfold", "folds": 3, "seed": 0, "fold": 1},
        "data": {"corpus": "sample", "root": None, "reader": {}},
        "eval_checkpoint": "best", "callbacks": {"early_stopping": {"patience": 3}},
    })
    out = fold_config(cfg)
    train_docs = [d for d in load_corpus("sample").documents if (d.split or "train") == "train"]
    assert OmegaConf.to_container(out.data.fold) == fold_splits(train_docs, 3, seed=0)[1]
    # the sample corpus has a test split: model selection on the held-out fold stays on
    assert out.eval_checkpoint == "best" and "early_stopping" in out.callbacks
    assert fold_config(out) is out  # data.fold already set: unchanged
    with pytest.raises(ConfigError, match="cv.fold=3 is out of range: there are 3 folds"):
        fold_config(OmegaConf.merge(cfg, {"cv": {"fold": 3}}))
    no_test = fold_config(cfg, {"train_ids": ["a"], "test_ids": ["b"]}, has_test=False)
    assert no_test.eval_checkpoint == "last" and "early_stopping" not in no_test.callbacks
