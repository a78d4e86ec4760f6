"""The unified schema's labels map back to the essays' own types exactly, so a unified-schema
run is scored on MajorClaim / Claim / Premise as Eger et al. score."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import missing

from argmine.corpora import load_corpus
from argmine.schema import load_schema, to_native

pytestmark = pytest.mark.corpora


def test_unified_essays_back_to_native_types_exactly(shared_corpora: Path) -> None:
    root = shared_corpora / "aae2_conll_eger2017"
    if not root.is_dir():
        missing(f"{root} missing")
    unified = load_schema("unified")
    labels = unified.native_labels("aae2_conll")
    docs = load_corpus("aae2_conll", root=root, level="paragraph").documents
    n_counter = 0
    for doc in docs:
        mapped = unified.apply(doc, corpus="aae2_conll")
        n_counter += sum(s.label == "counter_argument" for s in mapped.spans)
        back = to_native(mapped.spans, labels)
        assert [(s.start, s.end, s.label, s.attributes.get("stance")) for s in back] == [
            (s.start, s.end, s.label, s.attributes.get("stance")) for s in doc.spans
        ]
    assert n_counter == 278  # the Against claims (corpora README: Claim For 1228, Against 278)
