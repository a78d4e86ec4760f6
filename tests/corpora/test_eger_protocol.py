"""Both R-F1 protocols on the real essays: gold scored against itself is 1.0 at paragraph and
essay level, and Eger's protocol scores exactly one relation per gold component."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import missing

from argmine.corpora import load_corpus
from argmine.encoding.units import make_units
from argmine.metrics import ComponentMetrics, update_document
from argmine.models.evaluation import gold_links

pytestmark = pytest.mark.corpora

# official TEST split (80 essays): MajorClaim 153 + Claim 304 + Premise 809 (corpora README)
TEST_COMPONENTS = 153 + 304 + 809


@pytest.mark.parametrize("level", ["paragraph", "essay"])
def test_gold_against_itself_is_one_with_one_relation_per_component(shared_corpora: Path, level: str) -> None:
    root = shared_corpora / "aae2_conll_eger2017"
    if not root.is_dir():
        missing(f"{root} missing")
    docs = load_corpus("aae2_conll", root=root, level=level).split("test")
    unit = "paragraph" if level == "paragraph" else "document"
    metric = ComponentMetrics(["MajorClaim", "Claim", "Premise"], with_relations=True)
    for doc in docs:
        units = make_units(doc, unit)
        spans = [s for u in units for s in u.spans]
        rels = gold_links(doc, spans)
        update_document(metric, [u.tokens for u in units], spans, spans, rels, rels)
    res = metric.compute()
    assert len(docs) == 80
    for key in ("c_f1_exact", "c_f1_50", "r_f1_exact", "r_f1_50", "r_f1_doc_exact", "r_f1_doc_50"):
        assert float(res[key]) == 1.0, key
    n_gold = int(metric.relations["exact"].n_gold.sum())
    assert n_gold == TEST_COMPONENTS
    # the document-level variant: 153 major claims -> ROOT, 304 claims -> the last major claim,
    # and the 767 + 42 = 809 premise relations of the test essays
    assert int(metric.relations["doc_exact"].n_gold.sum()) == TEST_COMPONENTS
