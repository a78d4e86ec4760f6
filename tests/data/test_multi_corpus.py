"""Multi-corpus data (``data=multi``): several corpora, each with its own reader, splits and unit,
through one schema; per-corpus training draws; per-corpus and macro val/test scores; one error
for missing corpora and one for labels the schema does not map.

The second corpus is a tiny CDCP folder written here (texts written for this test), read by
the CDCP reader as source ``tiny`` next to the bundled sample corpus.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import torch
from omegaconf import OmegaConf

from argmine.data.multi import MultiCorpusDataModule, make_source
from argmine.data.sampling import CorpusBatchSampler, corpus_probabilities
from argmine.encoding.features import SubwordFeaturizer, WordCharFeaturizer
from argmine.errors import ConfigError, CorpusNotFoundError
from argmine.metric_names import well_formed
from conftest import REPO_ROOT, run_argmine

#: (label, proposition) per comment; written for this test
COMMENTS = {
    "train": [
        [("policy", "The agency should cap late fees at ten dollars."),
         ("value", "Such fees are unfair to families with little money."),
         ("testimony", "Last year my bank charged me forty dollars for one late payment.")],
        [("value", "Arbitration clauses hide abuses from the public."),
         ("policy", "Banks should not be allowed to force arbitration."),
         ("fact", "Most customers never read the clauses they sign.")],
        [("policy", "Payday lenders must check that borrowers can repay."),
         ("fact", "Many borrowers take a new loan to pay the old one."),
         ("reference", "See the bureau report on repeat borrowing.")],
        [("value", "Clear disclosures protect honest lenders too."),
         ("policy", "The rule should require a one page summary."),
         ("testimony", "I signed a loan contract I did not understand.")],
    ],
    "test": [
        [("policy", "Debt collectors should stop calling at night."),
         ("testimony", "They called my mother at eleven in the evening.")],
        [("fact", "Fees rose every year since the last rule."), ("value", "This trend is bad for consumers."),
         ("policy", "The bureau should act now.")],
    ],
}
TINY = {"corpus": "cdcp", "unit": "document", "dev_fraction": 0.25}


def write_cdcp(root: Path) -> Path:
    """A CDCP folder (``train/``, ``test/``: ``NNNNN.txt`` + ``NNNNN.ann.json``) of :data:`COMMENTS`."""
    number = 0
    for split, comments in COMMENTS.items():
        (root / split).mkdir(parents=True)
        for props in comments:
            number += 1
            text, offsets = "", []
            for _, sentence in props:
                offsets.append([len(text), len(text) + len(sentence)])
                text += sentence + " "
            ann = {"prop_labels": [label for label, _ in props], "prop_offsets": offsets, "url": {},
                   "reasons": [[[1, 1], 0]], "evidences": [[[2, 2], 1]] if len(props) > 2 else []}
            (root / split / f"{number:05d}.txt").write_text(text.rstrip(), encoding="utf-8")
            (root / split / f"{number:05d}.ann.json").write_text(json.dumps(ann), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_cdcp(tmp_path_factory.mktemp("tiny_cdcp"))


def multi(tiny_root: Path, **kwargs: Any) -> MultiCorpusDataModule:
    sources = {"tiny": {**TINY, "root": str(tiny_root)}}
    return MultiCorpusDataModule(["sample", "tiny"], sources=kwargs.pop("sources", sources), **kwargs)


# -- data ------------------------------------------------------------------------------------------
def test_units_know_their_corpus_and_every_corpus_keeps_its_splits_and_unit(tiny_root: Path) -> None:
    dm = multi(tiny_root, batch_size=8)
    dm.prepare_corpus()
    docs_by_corpus = {stage: Counter(d.metadata["corpus"] for d in docs) for stage, docs in dm.documents.items()}
    # sample: its official 40 / 10 / 10; tiny: official test 2, dev = a seeded 25% of its 4 train comments
    assert docs_by_corpus == {"train": {"sample": 40, "tiny": 3}, "val": {"sample": 10, "tiny": 1},
                              "test": {"sample": 10, "tiny": 2}}
    for stage, recs in dm.records.items():
        docs = dm.documents[stage]
        assert all(docs[r.doc_index].metadata["corpus"] == r.corpus for r in recs)
        tiny = [r for r in recs if r.corpus == "tiny"]
        assert len(tiny) == docs_by_corpus[stage]["tiny"]  # unit: document (one unit per comment)
        assert len([r for r in recs if r.corpus == "sample"]) > docs_by_corpus[stage]["sample"]  # paragraphs
    # CDCP's policy/value/fact/testimony/reference through the unified schema
    tiny_labels = {s.label for stage in dm.records for r in dm.records[stage] if r.corpus == "tiny" for s in r.unit.spans}
    assert tiny_labels == {"claim", "premise"}
    assert list(dm.tag_vocab.labels) == ["major_claim", "claim", "premise", "counter_argument"]
    inputs = dm.model_inputs()
    assert inputs["corpus_names"] == ["sample", "tiny"] and inputs["native_types"] is None


def test_training_batches_mix_corpora_and_an_epoch_has_as_many_windows_as_training(tiny_root: Path) -> None:
    dm = multi(tiny_root, batch_size=8, bucket_factor=1, seed=3)
    dm.attach_featurizer(WordCharFeaturizer().fit(dm.train_words()))
    dm.setup("fit")
    recs = dm.records["train"]
    batches = list(dm.train_dataloader())
    corpora = [{recs[ri].corpus for ri in b["unit_index"]} for b in batches]
    assert any(c == {"sample", "tiny"} for c in corpora)
    assert sum(len(b["unit_index"]) for b in batches) == sum(len(r.windows) for r in recs)
    again = [b["unit_index"] for b in train_loader(multi(tiny_root, batch_size=8, bucket_factor=1, seed=3))]
    assert again == [b["unit_index"] for b in batches]  # seeded


def train_loader(dm: MultiCorpusDataModule) -> Any:
    dm.attach_featurizer(WordCharFeaturizer().fit(dm.train_words()))
    dm.setup("fit")
    return dm.train_dataloader()


# -- sampling --------------------------------------------------------------------------------------
SIZES = [600, 150, 50]
EXPECTED = {
    "proportional": [0.75, 0.1875, 0.0625],
    "uniform": [1 / 3, 1 / 3, 1 / 3],
    # T = 2: p ∝ sqrt(n) = 24.49, 12.25, 7.07
    "temperature": [24.4949 / 43.8156, 12.2474 / 43.8156, 7.0711 / 43.8156],
}


@pytest.mark.parametrize("sampling", sorted(EXPECTED))
def test_each_corpus_is_drawn_with_its_probability(sampling: str) -> None:
    """Every epoch draws N = 800 windows; corpus c gets round(p_c x N) of them, so its share is
    within 1 / N of p_c (stated tolerance: 0.2 %), whatever the seed and epoch."""
    probabilities = corpus_probabilities(SIZES, sampling, temperature=2.0)
    assert probabilities == pytest.approx(EXPECTED[sampling], abs=1e-4)
    corpus_of = [c for c, n in enumerate(SIZES) for _ in range(n)]
    rng = random.Random(0)
    lengths = [rng.randint(3, 60) for _ in corpus_of]
    sampler = CorpusBatchSampler(lengths, corpus_of, probabilities, 16, seed=11, bucket_factor=4)
    seen: list[Counter[int]] = [Counter() for _ in SIZES]
    for epoch in range(3):
        sampler.set_epoch(epoch)
        batches = list(sampler)
        drawn = [i for b in batches for i in b]
        assert len(drawn) == len(corpus_of) and len(batches) == len(sampler) == 50
        shares = Counter(corpus_of[i] for i in drawn)
        for c, p in enumerate(probabilities):
            assert abs(shares[c] / len(drawn) - p) <= 0.002, (sampling, c, shares)
            seen[c].update(i for i in drawn if corpus_of[i] == c)
    for c in range(len(SIZES)):  # draws walk through a corpus before repeating an item
        counts = [seen[c][i] for i, owner in enumerate(corpus_of) if owner == c]
        assert max(counts) - min(counts) <= 1, (sampling, c)
        if sampling == "proportional":  # every window exactly once per epoch, as without corpora
            assert set(counts) == {3}


def test_same_seed_and_epoch_same_batches_other_epoch_other_batches() -> None:
    corpus_of = [0] * 40 + [1] * 10
    args = ([5] * 50, corpus_of, corpus_probabilities([40, 10], "uniform"), 8)
    a, b = CorpusBatchSampler(*args, seed=2), CorpusBatchSampler(*args, seed=2)
    assert list(a) == list(b)
    b.set_epoch(1)
    assert list(a) != list(b)


def test_uniform_sampling_over_the_data_module(tiny_root: Path) -> None:
    dm = multi(tiny_root, batch_size=8, sampling="uniform")
    loader = train_loader(dm)
    recs = dm.records["train"]
    assert dm.sampling_probabilities() == {"sample": 0.5, "tiny": 0.5}
    drawn = Counter(recs[ri].corpus for b in loader for ri in b["unit_index"])
    assert abs(drawn["tiny"] - drawn["sample"]) <= 1 and sum(drawn.values()) == len(recs)


# -- per-corpus scores -----------------------------------------------------------------------------
def test_a_tiny_fit_logs_per_corpus_and_macro_scores(tiny_root: Path) -> None:
    import lightning.pytorch as pl

    from argmine.models import TaggerModule
    from argmine.models.bilstm_cnn_crf import BiLSTMCNNCRF

    torch.manual_seed(0)
    dm = multi(tiny_root, batch_size=4, limit_documents=3)
    featurizer = WordCharFeaturizer().fit(dm.train_words())
    dm.attach_featurizer(featurizer)
    net = partial(BiLSTMCNNCRF, word_dim=8, char_dim=4, char_filters=4, hidden_size=8, dropout=0.0)
    model = TaggerModule(net, partial(torch.optim.Adam, lr=0.01), featurizer, **dm.model_inputs())
    trainer = pl.Trainer(max_epochs=1, limit_train_batches=2, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0)
    trainer.fit(model, datamodule=dm)
    logged = {k: float(v) for k, v in trainer.callback_metrics.items()}
    for corpus in ("sample", "tiny", "macro"):
        for key in ("c_f1_exact", "c_f1_50", "token_macro_f1"):
            assert f"val/{corpus}/{key}" in logged, sorted(logged)
    for key in ("c_f1_exact", "c_f1_50", "token_macro_f1", "token_accuracy"):
        assert logged[f"val/macro/{key}"] == pytest.approx((logged[f"val/sample/{key}"] + logged[f"val/tiny/{key}"]) / 2)
    assert "val/c_f1_exact" in logged  # the pooled scores stay
    names = model.logged_metric_names()
    assert {"val/macro/c_f1_exact", "test/tiny/c_f1_50", "test/sample/token_macro_f1"} <= names
    assert [n for n in names if not well_formed(n)] == []
    tested = trainer.test(model, datamodule=dm, verbose=False)[0]
    assert {"test/sample/c_f1_exact", "test/tiny/c_f1_exact", "test/macro/c_f1_exact"} <= set(tested)
    assert {d.metadata["corpus"] for d in model.predictions["test"]} == {"sample", "tiny"}


def test_metric_names_of_multi_corpus_runs_are_well_formed() -> None:
    for name in ("val/macro/c_f1_exact", "test/cdcp/c_f1_50", "val/aae2_conll/token_macro_f1", "val/tiny/cr_f1_exact"):
        assert well_formed(name), name
    assert not well_formed("val/macro/c_f1_exat")


# -- the corpus marker -----------------------------------------------------------------------------
def test_corpus_marker_starts_every_window_with_the_corpus_name(tiny_root: Path) -> None:
    dm = multi(tiny_root, corpus_marker="token", limit_documents=2)
    featurizer = SubwordFeaturizer("minilm", max_length=64, stride=8)
    dm.attach_featurizer(featurizer)
    for rec in dm.records["train"]:
        marker = featurizer.marker_ids(rec.corpus)
        for window in rec.windows:
            start = len(featurizer.prefix)
            assert window["input_ids"][start : start + len(marker)] == marker
            assert window["word_index"][0] == start + len(marker)
    with pytest.raises(ConfigError, match="corpus_marker=token needs a sub-word featurizer"):
        multi(tiny_root, corpus_marker="token", limit_documents=2).attach_featurizer(WordCharFeaturizer())


# -- bad input -------------------------------------------------------------------------------------
def test_missing_corpora_are_one_error_naming_each_and_where_it_was_looked_for(
    tiny_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARGMINE_DATA_DIR", str(tmp_path / "data"))
    dm = MultiCorpusDataModule(["sample", "tiny", "abstrct"],
                               sources={"tiny": {**TINY, "root": str(tmp_path / "nowhere")}})
    with pytest.raises(CorpusNotFoundError) as err:
        dm.prepare_corpus()
    message = str(err.value)
    assert "2 of 3 corpora not found (with data=multi one corpus's folder is data.sources.NAME.root)" in message
    assert "[tiny] corpus 'cdcp' not found: looked in " + str(tmp_path / "nowhere") in message
    assert "[abstrct] corpus 'abstrct' not found: looked in " + str(tmp_path / "data" / "abstrct") in message
    assert dm.documents == {}  # nothing was read


def test_labels_the_schema_does_not_map_are_one_error_naming_them(tiny_root: Path, tmp_path: Path) -> None:
    schema = tmp_path / "partial.yaml"
    schema.write_text(
        "name: partial\nspan_labels: [major_claim, claim, premise, counter_argument]\ncorpora:\n"
        "  sample: {identity: true}\n"
        "  cdcp:\n    spans:\n      - {label: [policy, value], to: claim}\n      - {label: fact, to: premise}\n"
        "    relations: {reason: support, evidence: support}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        multi(tiny_root, schema=str(schema)).prepare_corpus()
    message = str(err.value)
    assert "corpus 'cdcp' has labels no rule maps" in message
    assert "span label 'reference' (1x" in message and "span label 'testimony' (3x" in message
    assert str(schema) in message


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"corpora": ["sample", "nope"]}, r"\['nope'\] are neither data.sources entries"),
    ({"corpora": ["sample", "sample"]}, "named twice"),
    ({"corpora": ["sample", "macro"], "sources": {"macro": {"corpus": "sample"}}}, "not 'macro'"),
    ({"corpora": ["sample"], "sampling": "square"}, "data.sampling must be one of"),
    ({"corpora": ["sample"], "sampling": "temperature", "temperature": 0}, "data.temperature must be > 0"),
    ({"corpora": ["sample"], "corpus_marker": "yes"}, "data.corpus_marker must be one of"),
    ({"corpora": ["x"], "sources": {"x": {"corpus": "cdcp", "level": 1}}}, r"data.sources.x: unknown key\(s\) \['level'\]"),
    ({"corpora": ["x"], "sources": {"x": {"corpus": "cdcpp"}}}, "'cdcpp' is not a registered corpus"),
])
def test_bad_settings_are_config_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        MultiCorpusDataModule(**kwargs)


# -- configs ---------------------------------------------------------------------------------------
def _data_config(name: str) -> dict[str, Any]:
    """``configs/data/<name>.yaml`` merged over its ``defaults`` (one level, as Hydra would)."""
    cfg = OmegaConf.load(REPO_ROOT / "configs" / "data" / f"{name}.yaml")
    bases = [b for b in cfg.pop("defaults", []) if b != "_self_"]
    merged = OmegaConf.merge(*[_data_config(b) for b in bases], cfg) if bases else cfg
    out = OmegaConf.to_container(merged, resolve=False)
    assert isinstance(out, dict)
    return out


@pytest.mark.parametrize(("source", "config"), [
    ("aae2_conll", "aae2_paragraph"), ("microtexts", "microtexts"), ("abstrct", "abstrct"), ("cdcp", "cdcp"),
    ("sample", "sample"),
])
def test_multi_sources_read_each_corpus_as_its_own_data_config(source: str, config: str) -> None:
    sources = OmegaConf.to_container(OmegaConf.load(REPO_ROOT / "configs" / "data" / "multi.yaml").sources)
    assert isinstance(sources, dict)
    ours, theirs = make_source(source, sources[source]), _data_config(config)
    assert ours.corpus == theirs["corpus"]
    for key in ("root", "reader", "unit", "splits", "dev_fraction", "test_fraction", "dev_seed"):
        assert getattr(ours, key) == theirs[key], key


@pytest.mark.slow
def test_argmine_train_on_two_corpora_writes_per_corpus_and_macro_metrics(tiny_root: Path, tmp_path: Path) -> None:
    proc = run_argmine(
        "train", "data=multi", "data.corpora=[sample,tiny]",
        f"+data.sources.tiny={{corpus:cdcp,root:'{tiny_root}',unit:document,dev_fraction:0.25}}",
        "selection_metric=val/macro/c_f1_exact", "data.limit_documents=4", "trainer.max_epochs=1",
        "logger=csv", "trainer.enable_progress_bar=false", f"paths.root_dir={tmp_path}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = Path(proc.stdout.strip().splitlines()[-1])
    metrics = json.loads((run / "metrics.json").read_text())
    for stage in ("val", "test"):
        for corpus in ("sample", "tiny", "macro"):
            assert f"{stage}/{corpus}/c_f1_exact" in metrics and f"{stage}/{corpus}/c_f1_50" in metrics
            assert f"{stage}/{corpus}/token_macro_f1" in metrics
    assert metrics["selected_by"] == "val/macro/c_f1_exact"
    exported = json.loads((run / "model" / "argmine.json").read_text())
    assert exported["metadata"]["corpora"] == ["sample", "tiny"] and exported["corpora"] == ["sample", "tiny"]
