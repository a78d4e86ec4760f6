"""Windows shorter than a span: the predictor stitches windows so no span is cut, dropped or
duplicated at a border.

A tiny random BERT on MiniLM's tokenizer is exported and loaded with ``max_length=8, stride=2``
(6 sub-tokens per window). Its emissions are forced from the input: the word "alpha" scores
``B-claim``, "beta" ``I-claim``, anything else ``O``. The stitched prediction must therefore be
exactly the spans written in the text, whatever the window borders.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from argmine.encoding.features import SubwordFeaturizer
from argmine.encoding.tags import TagVocab
from argmine.errors import ConfigError
from argmine.models.export import export_model
from argmine.models.module import TaggerModule
from argmine.models.transformer_tagger import TransformerTagger
from argmine.predict.predictor import Predictor

TINY_BERT = {"model_type": "bert", "vocab_size": 30522, "hidden_size": 8, "num_hidden_layers": 1,
             "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 64}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    vocab = TagVocab(["claim"], "BIO")
    featurizer = SubwordFeaturizer("minilm", max_length=32, stride=4)
    net = TransformerTagger.from_config(dict(TINY_BERT), len(vocab), head="softmax")
    module = TaggerModule(net, None, featurizer, vocab, net_kwargs={})
    folder = tmp_path_factory.mktemp("tiny") / "model"
    # net kwargs for reloading: from the exported encoder config (no download)
    module.net_kwargs = {"num_tags": len(vocab), "model_name_or_path": "minilm", "head": "softmax",
                         "pretrained": False}
    export_model(module, folder, extra={"corpus": "sample", "schema": "unified", "unit": "paragraph"})
    return folder


def forced(predictor: Predictor) -> Predictor:
    tok = predictor.module.featurizer.tokenizer
    alpha = tok("alpha", add_special_tokens=False)["input_ids"][0]
    beta = tok("beta", add_special_tokens=False)["input_ids"][0]
    vocab = predictor.module.tag_vocab
    b, i, o = vocab.tag_to_id["B-claim"], vocab.tag_to_id["I-claim"], vocab.tag_to_id["O"]
    seen_windows: list[int] = []

    def emissions(batch: dict[str, torch.Tensor]) -> torch.Tensor:
        first_ids = batch["input_ids"].gather(1, batch["word_index"])
        out = torch.full((*first_ids.shape, len(vocab)), -5.0)
        out[..., o] = 5.0
        for token_id, tag in ((alpha, b), (beta, i)):
            hit = first_ids == token_id
            out[hit] = -5.0
            out[..., tag][hit] = 5.0
        seen_windows.append(batch["input_ids"].shape[0])
        return out

    predictor.module.net.emissions = emissions  # type: ignore[method-assign]
    predictor.seen_windows = seen_windows  # type: ignore[attr-defined]
    return predictor


def test_span_longer_than_a_window_is_kept_whole(exported: Path) -> None:
    predictor = forced(Predictor.load(exported, max_length=8, stride=2, batch_size=4))
    assert predictor.module.featurizer.budget == 6
    span_words = "alpha " + " ".join(["beta"] * 14)
    text = f"one two three {span_words} four five. six alpha beta beta seven alpha eight"
    doc = predictor(text)
    got = [(doc.text[s.start:s.end], s.label) for s in doc.spans]
    assert got == [(span_words, "claim"), ("alpha beta beta", "claim"), ("alpha", "claim")]
    assert sum(predictor.seen_windows) >= 5  # really cut into several windows


def test_every_window_size_gives_the_same_spans(exported: Path) -> None:
    text = "x " * 7 + "alpha " + "beta " * 9 + "y. alpha beta z " * 3 + "alpha"
    results = []
    for max_length, stride in [(5, 0), (6, 1), (8, 3), (11, 4), (32, 4)]:
        predictor = forced(Predictor.load(exported, max_length=max_length, stride=stride))
        doc = predictor(text)
        results.append([(s.start, s.end) for s in doc.spans])
    assert all(r == results[0] for r in results)
    assert len(results[0]) == 5
    assert text[results[0][0][0]:results[0][0][1]] == "alpha " + " ".join(["beta"] * 9)


def test_bad_window_options_are_one_clear_error(exported: Path) -> None:
    with pytest.raises(ConfigError, match="stride"):
        Predictor.load(exported, max_length=8, stride=6)


def test_batches_pack_short_windows_up_to_the_token_budget() -> None:
    from argmine.predict.predictor import _pack

    assert _pack([1, 1, 2, 2, 3, 50, 60], batch_size=2, batch_tokens=6) == [(0, 3), (3, 5), (5, 7)]
    assert _pack([5] * 10, batch_size=3, batch_tokens=100) == [(0, 10)]
    assert _pack([40] * 5, batch_size=2, batch_tokens=100) == [(0, 2), (2, 4), (4, 5)]
    assert _pack([], batch_size=2, batch_tokens=10) == []


def test_bf16_stores_encoder_linear_weights_once_with_autocast_results(exported: Path) -> None:
    fp32 = Predictor.load(exported)
    bf16 = Predictor.load(exported, precision="bf16")
    encoder = bf16.module.net.encoder
    linear = [m for m in encoder.modules() if isinstance(m, torch.nn.Linear)]
    assert linear and all(m.weight.dtype == torch.bfloat16 for m in linear)
    # embeddings, layer norms and everything outside the encoder stay fp32
    assert encoder.embeddings.word_embeddings.weight.dtype == torch.float32
    assert bf16.module.net.classifier.weight.dtype == torch.float32
    # the stored weights are what autocast makes of the fp32 ones on every call: same outputs
    text = "Cities should ban cars because streets belong to people. Critics say shops would suffer."
    batch = bf16.module.featurizer.collate(_windows(bf16, text), None)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        stored, _ = bf16.module.window_outputs(batch)
        cast_each_call, _ = fp32.module.window_outputs(batch)
    assert torch.equal(stored, cast_each_call)
    fp32.precision = "bf16"  # plain autocast over fp32 weights
    assert [(s.start, s.end, s.label, s.score) for s in bf16(text).spans] == \
        [(s.start, s.end, s.label, s.score) for s in fp32(text).spans]


def _windows(predictor: Predictor, text: str) -> list[dict]:
    from argmine.documents import Document, Span
    from argmine.encoding.units import make_units
    from argmine.tasks import featurize_unit

    doc = Document(id="d", text=text, partitions={"paragraphs": [Span(0, len(text), "paragraph")]})
    return [w for unit in make_units(doc, "paragraph") for w in featurize_unit(predictor.module.featurizer, text, unit)]
