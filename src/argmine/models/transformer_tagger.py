"""Word-level tagger on a Hugging Face encoder: first sub-token of each word -> linear -> head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from argmine.encoding.encoders import resolve_encoder
from argmine.errors import CheckpointError
from argmine.models.crf import AllowedTransitions
from argmine.models.heads import TaggingHead
from argmine.models.links import LinkHeadMixin
from argmine.quiet import quiet_transformers_loading


def gather_first_subtokens(hidden: torch.Tensor, word_index: torch.Tensor) -> torch.Tensor:
    """``hidden [B, S, H]``, ``word_index [B, T]`` (sub-token positions) -> ``[B, T, H]``."""
    index = word_index.long().unsqueeze(2).expand(-1, -1, hidden.size(2))
    return hidden.gather(1, index)


def _without_pooler(factory: Any, source: Any) -> nn.Module:
    """Build the encoder without its pooling layer where the architecture allows it: the tagger
    never uses it, and unused parameters would break DDP and waste optimizer state."""
    try:
        return factory(source, add_pooling_layer=False)
    except TypeError:
        return factory(source)


class TransformerTagger(LinkHeadMixin, nn.Module):
    """Encoder + dropout + linear + softmax/CRF head over the words of a window.

    Batch keys: ``input_ids``/``attention_mask [B, S]``, ``word_index [B, T]`` (position of each
    word's first sub-token; anything, e.g. 0, at padding), ``mask [B, T]``, ``tags [B, T]``.

    Args:
        num_tags: number of tags.
        model_name_or_path: HF name or folder; ``"minilm"`` is the offline all-MiniLM-L6-v2.
        head: ``"softmax"`` or ``"crf"``.
        allowed_transitions: CRF constraints (``TagVocab.allowed_transitions()``).
        dropout: dropout on the word vectors before the linear layer.
        link_head: add a :class:`~argmine.models.links.LinkScorer` over the spans (joint
            relation step for ``target=structure``): trained on the gold spans and links encoded
            in the compound tags, it replaces the links decoded from the tags' distances.
        link_tags: tag names (passed by ``TaggerModule`` from the data; needed by ``link_head``).
        link_tag_scheme: the tags' scheme (passed by ``TaggerModule``).
        link_hidden: size of the link scorer's span projections.
        link_weight: weight of the link loss added to the tagging loss.
        tag_distances: with ``False`` (and a link head) the tagger learns the compound tags
            without their link part (``Premise``, ``Claim:For``); links come from the head alone.
        link_constraints: the link head's data-derived rule per span type (types that never
            have a link in training get none, types that nearly always have one get one).
        link_context: a BiLSTM over each sequence's spans feeds the link scorer (each span's
            link scores see the spans around it).
        pretrained: load the encoder weights from ``model_name_or_path``; with False only its
            config is read (``AutoModel.from_config``) and the weights must come from a state
            dict afterwards (loading an exported model, no download).
    """

    def __init__(
        self,
        num_tags: int,
        model_name_or_path: str = "minilm",
        head: str = "softmax",
        allowed_transitions: AllowedTransitions | None = None,
        dropout: float = 0.1,
        pretrained: bool = True,
        encoder_config: Any | None = None,
        link_head: bool = False,
        link_tags: list[str] | None = None,
        link_tag_scheme: str = "BIO",
        link_hidden: int = 256,
        link_weight: float = 1.0,
        tag_distances: bool = True,
        link_constraints: bool = False,
        link_context: bool = False,
    ) -> None:
        super().__init__()
        # deferred: transformers is slow to import; loaded when a tagger is built, not on import
        from transformers import AutoConfig, AutoModel

        if head not in ("softmax", "crf"):
            raise ValueError(f"head must be 'softmax' or 'crf', got {head!r}")
        self.model_name_or_path = model_name_or_path
        if encoder_config is not None:
            self.encoder = _without_pooler(AutoModel.from_config, encoder_config)
        else:
            source = resolve_encoder(model_name_or_path)
            try:
                with quiet_transformers_loading():  # its LOAD REPORT lists the pooler left out on purpose
                    if pretrained:
                        self.encoder = _without_pooler(AutoModel.from_pretrained, source)
                    else:
                        config = AutoConfig.from_pretrained(source)
                        self.encoder = _without_pooler(AutoModel.from_config, config)
            except OSError as exc:
                raise CheckpointError(f"cannot load encoder {model_name_or_path!r}: {exc}") from exc
        num_tags, allowed_transitions = self._setup_tagging(
            num_tags, allowed_transitions, link_head, tag_distances, link_tags, link_tag_scheme,
            link_weight,
        )
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(self.encoder.config.hidden_size, num_tags)
        # training windows may start or end inside a span: no start/end constraints in the loss
        self.head = TaggingHead(num_tags, head == "crf", allowed_transitions, windowed=True)
        self._setup_link_head(
            link_head, self.encoder.config.hidden_size, link_hidden, dropout, link_constraints,
            link_context,
        )
        self.train()  # from_pretrained leaves the encoder in eval mode (dropout off)

    @classmethod
    def from_config(
        cls, config: dict[str, Any] | str | Path, num_tags: int, **kwargs: Any
    ) -> TransformerTagger:
        """Build with random encoder weights from an encoder config (dict or exported folder).

        Load the exported state dict afterwards; nothing is downloaded.
        """
        # deferred: transformers is slow to import; loaded when a tagger is built, not on import
        from transformers import AutoConfig

        if isinstance(config, dict):
            values = dict(config)
            model_type = values.pop("model_type", None)
            if model_type is None:
                raise CheckpointError("encoder config has no 'model_type'")
            cfg = AutoConfig.for_model(model_type, **values)
        else:
            try:
                cfg = AutoConfig.from_pretrained(str(config))
            except OSError as exc:
                raise CheckpointError(f"cannot read encoder config in {config}: {exc}") from exc
        return cls(num_tags, encoder_config=cfg, **kwargs)

    def encoder_config_dict(self) -> dict[str, Any]:
        """The encoder's config as a JSON-serialisable dict (for export)."""
        return self.encoder.config.to_dict()

    def save_encoder_config(self, folder: str | Path) -> None:
        """Write the encoder's ``config.json`` to ``folder`` (rebuild with ``pretrained=False``)."""
        self.encoder.config.save_pretrained(str(folder))

    def encode(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Emissions ``[B, T, K]`` and the word vectors ``[B, T, H]`` they were computed from."""
        hidden = self.encoder(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
        ).last_hidden_state
        words = gather_first_subtokens(hidden, batch["word_index"])
        return self.classifier(self.dropout(words)), words

    def emissions(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.encode(batch)[0]

    def loss(
        self,
        batch: dict[str, torch.Tensor],
        emissions: torch.Tensor | None = None,
        states: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Loss on ``batch["tags"]``: CRF NLL (mean over rows) or token cross-entropy, plus
        ``link_weight`` times the link loss with a link head.

        Pass ``emissions`` (and, with a link head, the word vectors ``states``) already computed
        for this batch to avoid a second forward pass.
        """
        if emissions is None or (self.links is not None and states is None):
            emissions, states = self.encode(batch)
        return self._joint_loss(self.head, emissions, states, batch, self.dropout)

    def decode(
        self, emissions: torch.Tensor, mask: torch.Tensor
    ) -> tuple[list[list[int]], list[list[float]]]:
        return self.head.decode(emissions, mask)
