"""``data.limit_documents=N`` keeps the first N documents of every stage, as docs/training.md says."""

from __future__ import annotations

from argmine.data.datamodule import stage_documents
from argmine.schema import load_schema

SPLITS = {"train": "train", "val": "dev", "test": "test"}


def test_limit_documents_cuts_train_val_and_test_alike() -> None:
    schema = load_schema("native")
    full = stage_documents("sample", None, {}, schema, SPLITS)
    limited = stage_documents("sample", None, {}, schema, SPLITS, limit_documents=2)
    assert all(len(full[stage]) > 2 for stage in SPLITS)  # else the limit would cut nothing
    for stage in SPLITS:
        assert [d.id for d in limited[stage]] == [d.id for d in full[stage][:2]], stage
