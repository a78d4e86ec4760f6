"""BiLSTM-CNN-CRF sequence tagger (Ma & Hovy 2016; STagBLCC of Eger et al. 2017).

word embedding ++ char-CNN (max-pooled over characters) -> dropout -> BiLSTM -> dropout ->
linear -> CRF (or softmax). Pre-trained word vectors are loaded by :mod:`argmine.encoding.word_vectors`.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from argmine.encoding.word_features import UNK
from argmine.models.crf import AllowedTransitions
from argmine.models.dropout import FastDropout
from argmine.models.heads import TaggingHead
from argmine.models.links import LinkHeadMixin


class WordEmbedding(nn.Embedding):
    """Word vectors (row 0 = padding): random, or ``pretrained`` rows; ``freeze`` keeps them
    fixed. ``word_dropout``: in training, each real word's id becomes the unknown id with this
    probability (the character CNN still sees the word), so the unknown vector that unseen
    words get is trained; 0 leaves it at its initial value.

    ``init="uniform"`` draws random rows from ``U(-sqrt(3/dim), sqrt(3/dim))`` with a zero
    padding row; ``"normal"`` keeps ``nn.Embedding``'s ``N(0, 1)``.
    """

    def __init__(
        self,
        vocab_size: int,
        word_dim: int,
        pretrained: torch.Tensor | None = None,
        freeze: bool = False,
        word_dropout: float = 0.0,
        init: str = "uniform",
    ) -> None:
        if not 0.0 <= word_dropout < 1.0:
            raise ValueError(f"word_dropout must be in [0, 1), got {word_dropout}")
        if init not in {"uniform", "normal"}:
            raise ValueError(f"init must be 'uniform' or 'normal', got {init!r}")
        if pretrained is not None:
            if pretrained.size(0) != vocab_size:
                raise ValueError(f"pretrained embeddings have {pretrained.size(0)} rows, vocabulary {vocab_size}")
            word_dim = pretrained.size(1)
        weight = None if pretrained is None else pretrained.detach().float().clone()
        super().__init__(vocab_size, word_dim, padding_idx=0, _weight=weight)
        if pretrained is None and init == "uniform":
            with torch.no_grad():
                nn.init.uniform_(self.weight, -math.sqrt(3 / word_dim), math.sqrt(3 / word_dim))
                self.weight[0].zero_()
        self.weight.requires_grad_(not freeze)
        self.word_dropout = word_dropout

    def forward(self, word_ids: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``[B, T]`` ids (``mask``: real words, for word dropout) -> ``[B, T, dim]``."""
        if self.training and self.word_dropout > 0 and mask is not None:
            drop = torch.rand(word_ids.shape, device=word_ids.device) < self.word_dropout
            word_ids = word_ids.masked_fill(drop & mask, UNK)
        return super().forward(word_ids)


class CharCNN(nn.Module):
    """Character embeddings -> 1-D convolution -> max over the word's characters."""

    def __init__(
        self, num_chars: int, char_dim: int, filters: int, kernel: int, dropout: float
    ) -> None:
        super().__init__()
        self.embed = nn.Embedding(num_chars, char_dim, padding_idx=0)
        self.dropout = FastDropout(dropout)
        self.conv = nn.Conv1d(char_dim, filters, kernel, padding=kernel // 2)
        self.out_dim = filters

    def forward(self, char_ids: torch.Tensor) -> torch.Tensor:
        """``char_ids [N, C]`` -> ``[N, filters]``; padding characters never win the max."""
        x = self.dropout(self.embed(char_ids)).transpose(1, 2)  # [N, D, C]
        h = self.conv(x)  # [N, F, C]
        pad = (char_ids == 0).unsqueeze(1)
        h = h.masked_fill(pad, float("-inf")).max(dim=2).values
        return torch.nan_to_num(h, neginf=0.0)  # words with no characters


def reverse_index(mask: torch.Tensor) -> torch.Tensor:
    """``[B, T]`` positions that reverse each row's first ``len`` steps and keep the padding."""
    steps = mask.size(1)
    lengths = mask.long().sum(1, keepdim=True)
    pos = torch.arange(steps, device=mask.device).unsqueeze(0)
    return torch.where(pos < lengths, lengths - 1 - pos, pos)


class MaskedBiLSTM(nn.Module):
    """Bidirectional LSTM over end-padded batches, exact without packing.

    Each direction is a unidirectional ``nn.LSTM``; the backward one reads every row reversed
    within its length, so padding only ever comes after the real steps and never reaches them.
    This keeps CPU training on the fused (oneDNN) LSTM kernel: with ``pack_padded_sequence`` a
    32 x 128 batch took ~16x longer on 2 CPU threads.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, dropout: float) -> None:
        super().__init__()
        self.forward_layers = nn.ModuleList()
        self.backward_layers = nn.ModuleList()
        for layer in range(num_layers):
            size = input_size if layer == 0 else 2 * hidden_size
            self.forward_layers.append(nn.LSTM(size, hidden_size, batch_first=True))
            self.backward_layers.append(nn.LSTM(size, hidden_size, batch_first=True))
        self.dropout = FastDropout(dropout)
        self.input_size = input_size
        self.out_dim = 2 * hidden_size

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x [B, T, D]``, ``mask [B, T]`` (padding at the end) -> ``[B, T, 2H]``."""
        index = reverse_index(mask).unsqueeze(2)
        for layer, (fwd, bwd) in enumerate(
            zip(self.forward_layers, self.backward_layers, strict=True)
        ):
            if layer > 0:
                x = self.dropout(x)
            ahead, _ = fwd(x)
            rev = x.gather(1, index.expand(-1, -1, x.size(2)))
            back, _ = bwd(rev)
            back = back.gather(1, index.expand(-1, -1, back.size(2)))
            x = torch.cat([ahead, back], dim=2)
        return x


class BiLSTMCNNCRF(LinkHeadMixin, nn.Module):
    """BiLSTM-CNN tagger with a CRF (default) or softmax head.

    Batch keys: ``word_ids [B,T]``, ``char_ids [B,T,C]``, ``mask [B,T]`` (padding at the end),
    and for ``loss`` ``tags [B,T]`` (``-100`` on padding).

    ``link_head=True`` adds a :class:`~argmine.models.links.LinkScorer` over the BiLSTM states
    of each span (joint relation step for ``target=structure``; ``link_tags`` and
    ``link_tag_scheme`` are passed by ``TaggerModule``): trained on the gold spans and links
    encoded in the compound tags, its links replace those decoded from the tags' distances.
    With ``tag_distances=False`` the CRF learns the compound tags without their link part;
    ``link_constraints=True`` turns on the head's data-derived rule per span type;
    ``link_context=True`` adds a BiLSTM over the spans to the head.
    ``word_dropout`` / ``freeze_embeddings``: see :class:`WordEmbedding`.
    """

    def __init__(
        self,
        vocab_size: int,
        num_chars: int,
        num_tags: int,
        allowed_transitions: AllowedTransitions | None = None,
        word_dim: int = 100,
        char_dim: int = 30,
        char_filters: int = 50,
        char_kernel: int = 3,
        hidden_size: int = 100,
        num_layers: int = 1,
        dropout: float = 0.5,
        use_crf: bool = True,
        pretrained_embeddings: torch.Tensor | None = None,
        freeze_embeddings: bool = False,
        link_head: bool = False,
        link_tags: list[str] | None = None,
        link_tag_scheme: str = "BIO",
        link_hidden: int = 100,
        link_weight: float = 1.0,
        tag_distances: bool = True,
        link_constraints: bool = False,
        link_context: bool = False,
        word_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.word_embed = WordEmbedding(
            vocab_size, word_dim, pretrained_embeddings, freeze_embeddings, word_dropout
        )
        word_dim = self.word_embed.embedding_dim
        self.char_cnn = CharCNN(num_chars, char_dim, char_filters, char_kernel, dropout)
        self.dropout = FastDropout(dropout)
        self.lstm = MaskedBiLSTM(word_dim + char_filters, hidden_size, num_layers, dropout)
        num_tags, allowed_transitions = self._setup_tagging(
            num_tags, allowed_transitions, link_head, tag_distances, link_tags, link_tag_scheme,
            link_weight,
        )
        self.proj = nn.Linear(2 * hidden_size, num_tags)
        self.head = TaggingHead(num_tags, use_crf, allowed_transitions)
        self._setup_link_head(
            link_head, 2 * hidden_size, link_hidden, dropout, link_constraints, link_context
        )

    def emissions(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Tag scores ``[B, T, K]`` (zeros at padding)."""
        return self.encode(batch)[0]

    def encode(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Tag scores ``[B, T, K]`` (zeros at padding) and the BiLSTM states ``[B, T, 2H]``."""
        word_ids, char_ids, mask = batch["word_ids"], batch["char_ids"], batch["mask"].bool()
        bsz, steps = word_ids.shape
        words = self.word_embed(word_ids, mask)
        char_vectors = self.char_cnn(char_ids[mask])  # char CNN on real words only
        chars = char_vectors.new_zeros(bsz, steps, self.char_cnn.out_dim)  # its dtype (autocast)
        chars[mask] = char_vectors
        x = self.dropout(torch.cat([words, chars], dim=-1))
        out = self.lstm(x, mask)
        return self.proj(self.dropout(out)) * mask.unsqueeze(2).to(out.dtype), out

    def loss(
        self,
        batch: dict[str, torch.Tensor],
        emissions: torch.Tensor | None = None,
        states: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Loss on ``batch["tags"]``: CRF NLL (mean over rows) or token cross-entropy, plus
        ``link_weight`` times the link loss with a link head.

        Pass ``emissions`` (and, with a link head, ``states``) already computed for this batch
        to avoid a second forward pass.
        """
        if emissions is None or (self.links is not None and states is None):
            emissions, states = self.encode(batch)
        return self._joint_loss(self.head, emissions, states, batch, self.dropout)

    def decode(
        self, emissions: torch.Tensor, mask: torch.Tensor
    ) -> tuple[list[list[int]], list[list[float]]]:
        """Tag ids and per-token confidence (CRF marginal or softmax probability) per row."""
        return self.head.decode(emissions, mask)
