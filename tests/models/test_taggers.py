"""BiLSTM-CNN-CRF and transformer taggers: shapes, masking, learning, exports, optimizer groups."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from argmine.encoding.encoders import default_encoder_path, resolve_encoder
from argmine.encoding.features import UNK, SubwordFeaturizer, WordCharFeaturizer
from argmine.encoding.word_vectors import load_word_vectors
from argmine.errors import ArgmineError
from argmine.models.bilstm_cnn_crf import BiLSTMCNNCRF
from argmine.models.optim import layerwise_param_groups, linear_warmup_schedule
from argmine.models.transformer_tagger import TransformerTagger, gather_first_subtokens

# O=0, B-Claim=1, I-Claim=2, B-Premise=3, I-Premise=4
ALLOWED = (
    [True, True, False, True, False],
    [[True, True, a in (1, 2), True, a in (3, 4)] for a in range(5)],
    [True] * 5,
)
SENTENCES = [
    (["We", "should", "ban", "cars", "because", "they", "pollute", "."], [0, 1, 2, 2, 0, 3, 4, 0]),
    (["Cars", "are", "useful", "."], [1, 2, 2, 0]),
    (["I", "think", "so", "since", "data", "shows", "it"], [0, 0, 0, 0, 3, 4, 4]),
]


def _bilstm_batch():
    feat = WordCharFeaturizer().fit([w for w, _ in SENTENCES])
    batch = feat.collate([feat.encode(w) for w, _ in SENTENCES], [t for _, t in SENTENCES])
    return feat, batch


@pytest.mark.parametrize("use_crf", [True, False])
def test_bilstm_shapes_and_padding_independence(use_crf: bool) -> None:
    torch.manual_seed(0)
    feat, batch = _bilstm_batch()
    model = BiLSTMCNNCRF(
        feat.vocab_size, feat.num_chars, 5, ALLOWED, hidden_size=16, use_crf=use_crf
    ).eval()
    em = model.emissions(batch)
    assert em.shape == (3, 8, 5)
    assert torch.all(em[1, 4:] == 0)
    # the second sentence alone (no padding) gets the same scores
    alone = {k: v[1:2, :4] for k, v in batch.items()}
    alone["char_ids"] = batch["char_ids"][1:2, :4]
    assert torch.allclose(model.emissions(alone)[0], em[1, :4], atol=1e-5)
    tags, conf = model.decode(em, batch["mask"])
    assert [len(t) for t in tags] == [8, 4, 7]
    assert all(0.0 < c <= 1.0 for row in conf for c in row)
    loss = model.loss(batch)
    loss.backward()
    assert model.word_embed.weight.grad is not None
    assert model.char_cnn.conv.weight.grad.abs().sum() > 0


def test_word_dropout_trains_the_unknown_vector_only_in_training() -> None:
    feat, batch = _bilstm_batch()
    model = BiLSTMCNNCRF(feat.vocab_size, feat.num_chars, 5, ALLOWED, hidden_size=16,
                         dropout=0.0, word_dropout=0.5)
    torch.manual_seed(0)
    model.loss(batch).backward()
    grad = model.word_embed.weight.grad
    assert grad[UNK].abs().sum() > 0  # some words were replaced by the unknown id
    known = grad[2:].abs().sum(1) > 0
    assert 0 < int(known.sum()) < feat.vocab_size - 2  # ... and some were not
    model.eval()  # no dropout at inference: scores are deterministic and use the real words
    assert torch.equal(model.emissions(batch), model.emissions(batch))
    unknown = {**batch, "word_ids": torch.where(batch["mask"].bool(), UNK, 0)}
    assert not torch.allclose(model.emissions(batch), model.emissions(unknown))
    with pytest.raises(ValueError, match="word_dropout"):
        BiLSTMCNNCRF(feat.vocab_size, feat.num_chars, 5, ALLOWED, word_dropout=1.0)


@pytest.fixture
def one_thread():
    """Tiny models run faster (and steadier on a busy 2-core machine) on one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_bilstm_crf_overfits_three_sentences(one_thread) -> None:
    torch.manual_seed(0)
    feat, batch = _bilstm_batch()
    model = BiLSTMCNNCRF(feat.vocab_size, feat.num_chars, 5, ALLOWED, hidden_size=32, dropout=0.1)
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(60):
        opt.zero_grad()
        model.loss(batch).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        tags, _ = model.decode(model.emissions(batch), batch["mask"])
    assert tags == [t for _, t in SENTENCES]  # training speed: `python -m benchmarks train_bilstm`


def test_pretrained_embeddings_frozen() -> None:
    vectors = torch.randn(6, 8)
    model = BiLSTMCNNCRF(
        6, 4, 3, pretrained_embeddings=vectors, freeze_embeddings=True, hidden_size=4
    )
    assert torch.equal(model.word_embed.weight, vectors)
    assert not model.word_embed.weight.requires_grad
    assert model.lstm.input_size == 8 + 50


def test_featurizer_hands_pretrained_vectors_to_the_network(tmp_path) -> None:
    path = tmp_path / "vec.txt"
    path.write_text("cars 1 2 3\nare 4 5 6\n", encoding="utf-8")
    feat = WordCharFeaturizer(word_vectors=str(path), word_dim=3).fit([w for w, _ in SENTENCES])
    kwargs = feat.model_kwargs()
    assert kwargs["word_dim"] == 3 and kwargs["vocab_size"] == feat.vocab_size
    model = BiLSTMCNNCRF(num_tags=5, **kwargs)
    assert model.word_embed.weight[feat.word_to_id["are"]].tolist() == [4.0, 5.0, 6.0]
    assert model.word_embed.weight[feat.word_to_id["Cars"]].tolist() == [1.0, 2.0, 3.0]


def test_load_word_vectors(tmp_path) -> None:
    path = tmp_path / "vec.txt"
    path.write_text("3 2\nclaim 0.5 -1\nthe 1 2\nNew York 3 4\n", encoding="utf-8")
    vocab = {"<pad>": 0, "<unk>": 1, "Claim": 2, "the": 3, "New York": 4, "zebra": 5}
    matrix, hits = load_word_vectors(path, vocab, 2)
    assert hits == 3
    assert matrix[2].tolist() == [0.5, -1.0]  # lowercase fallback
    assert matrix[4].tolist() == [3.0, 4.0]
    assert matrix[0].tolist() == [0.0, 0.0]
    assert matrix[5].abs().max() <= (3 / 2) ** 0.5
    bad = tmp_path / "bad.txt"
    bad.write_text("the 1 2\nclaim 0.5\n", encoding="utf-8")
    with pytest.raises(ArgmineError, match=re.escape(f"{bad}:2")):
        load_word_vectors(bad, vocab, 2)
    bad.write_text("the 1 2\nclaim 0.5 x\n", encoding="utf-8")
    with pytest.raises(ArgmineError, match="bad.txt:2: not a number"):
        load_word_vectors(bad, vocab, 2)


def test_gather_first_subtokens() -> None:
    hidden = torch.arange(2 * 5 * 3, dtype=torch.float).view(2, 5, 3)
    index = torch.tensor([[1, 3], [2, 0]])
    out = gather_first_subtokens(hidden, index)
    assert torch.equal(out[0, 0], hidden[0, 1]) and torch.equal(out[0, 1], hidden[0, 3])
    assert torch.equal(out[1, 0], hidden[1, 2]) and torch.equal(out[1, 1], hidden[1, 0])


@pytest.fixture(scope="module")
def minilm_batch():
    feat = SubwordFeaturizer("minilm", max_length=64, stride=8)
    texts = ["Cars pollute heavily.", "Unbelievably, trains are greener than planes ."]
    windows, tags = [], []
    for text in texts:
        tokens = [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]
        windows.extend(feat.encode_unit(text, tokens, 0, len(text)))
        tags.append([1, 2, 2, 0][: len(tokens)] + [0] * (len(tokens) - 4))
    return feat, feat.collate(windows, tags)


@pytest.mark.parametrize("head", ["softmax", "crf"])
def test_minilm_tagger_forward_backward(minilm_batch, head: str) -> None:
    _, batch = minilm_batch
    torch.manual_seed(0)
    model = TransformerTagger(5, "minilm", head=head, allowed_transitions=ALLOWED)
    em = model.emissions(batch)
    assert em.shape == (2, 8, 5)
    loss = model.loss(batch)
    with torch.no_grad():
        torch.manual_seed(1)
        again = model.loss(batch, emissions=model.emissions(batch))
        torch.manual_seed(1)
        assert model.loss(batch).item() == pytest.approx(again.item(), rel=1e-5)
    loss.backward()
    assert torch.isfinite(loss)
    grad = model.encoder.embeddings.word_embeddings.weight.grad
    assert grad is not None and grad.abs().sum() > 0
    tags, conf = model.decode(em.detach(), batch["mask"])
    assert [len(t) for t in tags] == [4, 8]
    assert all(0 < c <= 1 for row in conf for c in row)


def test_minilm_export_round_trip_without_weights_download(tmp_path, minilm_batch) -> None:
    feat, batch = minilm_batch
    model = TransformerTagger(5, "minilm", head="crf", allowed_transitions=ALLOWED).eval()
    model.save_encoder_config(tmp_path)
    feat.save(tmp_path)
    state = model.state_dict()
    rebuilt = [
        TransformerTagger.from_config(source, 5, head="crf", allowed_transitions=ALLOWED)
        for source in (tmp_path, model.encoder_config_dict())
    ]
    # what loading an export does: encoder name -> export folder, pretrained=False
    rebuilt.append(
        TransformerTagger(
            5, str(tmp_path), head="crf", allowed_transitions=ALLOWED, pretrained=False
        )
    )
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".safetensors") == []
    for again in rebuilt:
        again.eval()
        assert not torch.allclose(again.classifier.weight, model.classifier.weight)
        again.load_state_dict(state)
        with torch.no_grad():
            assert torch.allclose(again.emissions(batch), model.emissions(batch), atol=1e-5)


def test_layerwise_param_groups_partition_parameters() -> None:
    torch.manual_seed(0)
    model = TransformerTagger(5, "minilm", head="crf")
    groups = layerwise_param_groups(
        model, lr=1e-4, layer_decay=0.5, weight_decay=0.01, head_lr=1e-3
    )
    ids = [id(p) for g in groups for p in g["params"]]
    assert len(ids) == len(set(ids)) == len(list(model.parameters()))
    lr_of = {id(p): g["lr"] for g in groups for p in g["params"]}
    wd_of = {id(p): g["weight_decay"] for g in groups for p in g["params"]}
    enc = model.encoder
    assert lr_of[id(enc.embeddings.word_embeddings.weight)] == pytest.approx(1e-4 * 0.5**6)
    assert lr_of[id(enc.encoder.layer[0].attention.self.query.weight)] == pytest.approx(
        1e-4 * 0.5**5
    )
    assert lr_of[id(enc.encoder.layer[5].output.dense.weight)] == pytest.approx(1e-4)
    assert lr_of[id(model.classifier.weight)] == lr_of[id(model.head.crf.transitions)] == 1e-3
    assert wd_of[id(enc.encoder.layer[5].output.dense.weight)] == 0.01
    assert wd_of[id(enc.encoder.layer[5].output.dense.bias)] == 0.0
    assert wd_of[id(enc.encoder.layer[5].output.LayerNorm.weight)] == 0.0
    opt = torch.optim.AdamW(groups)
    sched = linear_warmup_schedule(opt, warmup_ratio=0.1, total_steps=100)
    lrs = []
    for _ in range(100):
        lrs.append(opt.param_groups[-1]["lr"])
        opt.step()
        sched.step()
    assert lrs[0] < lrs[9] == pytest.approx(1e-3 * 10 / 11)
    assert lrs[10] == pytest.approx(1e-3) and lrs[99] == pytest.approx(1e-3 / 90)


def test_other_architecture_from_config_dict() -> None:
    """A tiny random DistilBERT (no pooler argument) from a config dict, no download; CRF head."""
    config = {
        "model_type": "distilbert",
        "vocab_size": 50,
        "dim": 16,
        "n_layers": 2,
        "n_heads": 2,
        "hidden_dim": 32,
    }
    bio = (
        [True, True, False],
        [[True, True, False], [True, True, True], [True, True, True]],
        [True] * 3,
    )
    model = TransformerTagger.from_config(config, 3, head="crf", allowed_transitions=bio)
    batch = {
        "input_ids": torch.tensor([[1, 5, 6, 7, 2], [1, 8, 2, 0, 0]]),
        "attention_mask": torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]),
        "word_index": torch.tensor([[1, 3], [1, 0]]),
        "mask": torch.tensor([[True, True], [True, False]]),
        "tags": torch.tensor([[0, 1], [2, -100]]),  # window 2 starts inside a span (I-)
    }
    assert model.emissions(batch).shape == (2, 2, 3)
    loss = model.loss(batch)
    assert loss.item() < 100  # windows are not penalised for starting with I-
    loss.backward()
    groups = layerwise_param_groups(model, lr=1.0, layer_decay=0.5)
    lr_of = {id(p): g["lr"] for g in groups for p in g["params"]}
    assert lr_of[id(model.encoder.embeddings.word_embeddings.weight)] == 0.25
    assert lr_of[id(model.encoder.transformer.layer[0].ffn.lin1.weight)] == 0.5
    assert lr_of[id(model.encoder.transformer.layer[1].ffn.lin1.weight)] == 1.0


def test_resolve_encoder_aliases() -> None:
    path = default_encoder_path()
    assert (Path(path) / "config.json").is_file()
    for alias in ("minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        assert resolve_encoder(alias) == path
    assert resolve_encoder("roberta-base") == "roberta-base"
    assert resolve_encoder("/some/folder") == "/some/folder"
