"""Biaffine link scorer over span representations: the relation step of the joint tagger."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from argmine.encoding.structure import relation_names_in, structure_from_tags, without_links
from argmine.encoding.tags import TagVocab, parse_tag
from argmine.errors import ConfigError

__all__ = [
    "LinkScorer",
    "SpanStructure",
    "build_link_scorer",
    "gold_structures",
    "link_free_tags",
    "map_tags",
    "tagging_setup",
    "LinkHeadMixin",
]

# (first word, last word + 1, label, target span index or None, relation name or None)
SpanStructure = tuple[int, int, str, int | None, str | None]


class LinkScorer(nn.Module):
    """For each span, a distribution over its outgoing link's target and the link's relation.

    A span is represented by ``[first word; last word; mean of its words]``. Source and target
    projections (one-layer MLPs) are scored biaffinely, plus a learned bias per signed distance
    (clipped to ``max_distance`` spans); a separate score stands for "no outgoing link". So each
    span has at most one outgoing link (the essays' tree constraint), always to another span of
    the same sequence: decoding cannot produce a relation to a missing component. Relation labels
    come from a linear layer over the source and target projections.

    ``span_labels`` (component types, e.g. ``Claim``, ``Premise``) enable a data-derived
    decoding rule (``constrain=True``): while training, the scorer counts how often gold spans of
    each type have an outgoing link (buffers saved with the weights); at decoding, a span whose
    type never had one (rate <= 1%, e.g. essay claims at paragraph level) gets none, and a span
    whose type nearly always had one (rate >= 99%, e.g. essay premises) gets its best target
    when there is another span.

    ``context=True`` runs a BiLSTM over the spans of each sequence (in text order) and appends
    its states to each span's representation, so a span's scores can depend on the other spans
    around it (e.g. which one reads like the paragraph's claim).

    Limits: links only within the scored sequence (a paragraph or window); no global tree or
    acyclicity constraint beyond one outgoing link per span.
    """

    def __init__(
        self,
        input_dim: int,
        relations: Sequence[str],
        hidden: int = 256,
        max_distance: int = 10,
        dropout: float = 0.1,
        span_labels: Sequence[str] = (),
        constrain: bool = False,
        context: bool = False,
    ) -> None:
        super().__init__()
        if not relations:
            raise ValueError("LinkScorer needs at least one relation name")
        self.relations = list(relations)
        self.span_labels = list(span_labels)
        self.constrain = constrain
        # per span type: gold spans seen in training, and how many of them had a link
        self.register_buffer("label_spans", torch.zeros(len(self.span_labels)))
        self.register_buffer("label_links", torch.zeros(len(self.span_labels)))
        self.max_distance = max_distance
        span_dim = 3 * input_dim
        self.context: nn.LSTM | None = None
        if context:
            self.context = nn.LSTM(span_dim, hidden // 2, batch_first=True, bidirectional=True)
            span_dim += 2 * (hidden // 2)
        self.source = nn.Sequential(nn.Linear(span_dim, hidden), nn.GELU(), nn.Dropout(dropout))
        self.target = nn.Sequential(nn.Linear(span_dim, hidden), nn.GELU(), nn.Dropout(dropout))
        self.bilinear = nn.Parameter(torch.zeros(hidden, hidden))
        self.target_bias = nn.Linear(hidden, 1)
        self.no_link = nn.Linear(hidden, 1)
        self.distance = nn.Embedding(2 * max_distance + 1, 1)
        nn.init.zeros_(self.distance.weight)
        self.label = nn.Linear(2 * hidden, len(self.relations))

    # -- representation and scores ------------------------------------------------------------
    @staticmethod
    def represent(words: torch.Tensor, bounds: torch.Tensor) -> torch.Tensor:
        """``words [B, T, H]``, ``bounds [B, S, 2]`` (first, end) -> ``[B, S, 3H]``."""
        words = words.float()
        steps = words.size(1)
        sums = F.pad(words.cumsum(1), (0, 0, 1, 0))

        def pick(values: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
            return values.gather(1, index.unsqueeze(-1).expand(-1, -1, values.size(-1)))

        starts, ends = bounds[..., 0], bounds[..., 1]
        length = (ends - starts).clamp(min=1).unsqueeze(-1).float()
        mean = (pick(sums, ends) - pick(sums, starts)) / length
        first = pick(words, starts.clamp(0, steps - 1))
        last = pick(words, (ends - 1).clamp(0, steps - 1))
        return torch.cat([first, last, mean], dim=-1)

    def scores(
        self, words: torch.Tensor, bounds: torch.Tensor, span_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Link logits ``[B, S, S + 1]`` (column 0: no link, column ``j + 1``: link to span j)
        and the source/target projections ``[B, S, hidden]``."""
        reps = self.represent(words, bounds)
        if self.context is not None:
            reps = torch.cat([reps, self.span_context(reps, span_mask)], dim=-1)
        src, tgt = self.source(reps), self.target(reps)
        pair = src @ self.bilinear @ tgt.transpose(1, 2) + self.target_bias(tgt).transpose(1, 2)
        n = bounds.size(1)
        index = torch.arange(n, device=bounds.device)
        distance = (index[None, :] - index[:, None]).clamp(-self.max_distance, self.max_distance)
        pair = pair + self.distance(distance + self.max_distance).squeeze(-1)
        invalid = torch.eye(n, dtype=torch.bool, device=bounds.device)[None] | ~span_mask[:, None, :]
        pair = pair.masked_fill(invalid, torch.finfo(pair.dtype).min / 2)
        return torch.cat([self.no_link(src), pair], dim=-1), src, tgt

    def span_context(self, reps: torch.Tensor, span_mask: torch.Tensor) -> torch.Tensor:
        """BiLSTM states over each row's spans (``span_mask`` marks the real ones, a prefix)."""
        assert self.context is not None
        lengths = span_mask.sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(reps, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.context(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=reps.size(1))
        return states

    def label_logits(
        self, src: torch.Tensor, tgt: torch.Tensor, rows: torch.Tensor, sources: torch.Tensor,
        targets: torch.Tensor,
    ) -> torch.Tensor:
        return self.label(torch.cat([src[rows, sources], tgt[rows, targets]], dim=-1))

    # -- training -----------------------------------------------------------------------------
    def loss(self, words: torch.Tensor, structures: Sequence[Sequence[SpanStructure]]) -> torch.Tensor:
        """Summed link + relation cross-entropy per row, averaged over rows.

        ``structures`` has one list per row of ``words``. A span with a relation name but no
        target (its target lies outside the row) is not scored.
        """
        rows = len(structures)
        width = max((len(s) for s in structures), default=0)
        if width == 0:
            return words.sum() * 0.0
        device = words.device
        bounds = torch.zeros(rows, width, 2, dtype=torch.long)
        span_mask = torch.zeros(rows, width, dtype=torch.bool)
        gold = torch.full((rows, width), -100, dtype=torch.long)
        linked: list[tuple[int, int, int, int]] = []
        for r, spans in enumerate(structures):
            for i, (first, end, label, target, relation) in enumerate(spans):
                bounds[r, i, 0], bounds[r, i, 1] = first, end
                span_mask[r, i] = True
                if target is not None and relation in self.relations:
                    gold[r, i] = target + 1
                    linked.append((r, i, target, self.relations.index(relation)))
                elif relation is None:
                    gold[r, i] = 0
                if self.training and label in self.span_labels:
                    k = self.span_labels.index(label)
                    self.label_spans[k] += 1
                    self.label_links[k] += float(relation is not None)
        logits, src, tgt = self.scores(words, bounds.to(device), span_mask.to(device))
        loss = F.cross_entropy(
            logits.reshape(-1, width + 1), gold.to(device).reshape(-1), ignore_index=-100,
            reduction="sum",
        )
        if linked:
            r, s, t, y = (torch.tensor(col, device=device) for col in zip(*linked, strict=True))
            loss = loss + F.cross_entropy(self.label_logits(src, tgt, r, s, t), y, reduction="sum")
        return loss / rows

    # -- decoding -----------------------------------------------------------------------------
    def link_rule(self, label: str | None) -> str:
        """``"never"``, ``"always"`` or ``"free"``: the decoding rule for a span of this type."""
        if not self.constrain or label not in self.span_labels:
            return "free"
        k = self.span_labels.index(label)
        seen = float(self.label_spans[k])
        if seen == 0:
            return "free"
        rate = float(self.label_links[k]) / seen
        return "never" if rate <= 0.01 else "always" if rate >= 0.99 else "free"

    @torch.no_grad()
    def decode(
        self,
        words: torch.Tensor,
        bounds: Sequence[tuple[int, int]],
        labels: Sequence[str] | None = None,
    ) -> list[tuple[int, str, float] | None]:
        """Per span of one sequence (``words [T, H]``): ``(target index, relation, score)`` of
        its outgoing link, or ``None``. ``score`` is the probability of the chosen target.
        ``labels`` (the spans' types) apply the data-derived rule when ``constrain`` is on."""
        if not bounds:
            return []
        b = torch.tensor([list(x) for x in bounds], dtype=torch.long, device=words.device)[None]
        mask = torch.ones(1, len(bounds), dtype=torch.bool, device=words.device)
        logits, src, tgt = self.scores(words[None], b, mask)
        probs = logits[0].float().softmax(-1)
        if labels is not None and len(bounds) > 1:
            for i, label in enumerate(labels):
                rule = self.link_rule(label)
                if rule == "never":
                    probs[i, 1:] = 0.0
                elif rule == "always":
                    probs[i, 0] = 0.0
        best_p, best = probs.max(-1)
        # relation labels of all spans at once (spans without a link are scored and ignored)
        rows = torch.zeros_like(best)
        sources = torch.arange(len(bounds), device=words.device)
        rels = self.label_logits(src, tgt, rows, sources, (best - 1).clamp(min=0)).argmax(-1)
        return [
            None if k == 0 else (k - 1, self.relations[r], p)
            for k, r, p in zip(best.tolist(), rels.tolist(), best_p.tolist(), strict=True)
        ]


def build_link_scorer(
    enabled: bool,
    input_dim: int,
    tags: Sequence[str] | None,
    hidden: int,
    dropout: float,
    constrain: bool = False,
    context: bool = False,
) -> LinkScorer | None:
    """The link head of a tagger network (``None`` when disabled); its relation names and span
    types come from the compound tags, so the data must use ``target=structure``."""
    if not enabled:
        return None
    relations = relation_names_in(list(tags or []))
    if not relations:
        raise ConfigError(
            "model.net.link_head=true needs data.target=structure (compound tags with links); "
            "these tags encode no relation"
        )
    types = sorted({parse_tag(t)[1].split(":")[0] for t in tags or [] if t != "O"})
    return LinkScorer(
        input_dim, relations, hidden=hidden, dropout=dropout, span_labels=types, constrain=constrain,
        context=context,
    )


def gold_structures(
    tags: torch.Tensor, mask: torch.Tensor, names: Sequence[str], scheme: str
) -> list[list[SpanStructure]]:
    """Gold spans and links of each row of a batch, read from its compound tag ids (ids outside
    the vocabulary, e.g. ignored context positions, count as ``O``)."""
    out = []
    for row, n in zip(tags.tolist(), mask.sum(1).tolist(), strict=True):
        out.append(structure_from_tags([names[t] if 0 <= t < len(names) else "O" for t in row[:n]], scheme))
    return out


def link_free_tags(tags: Sequence[str], scheme: str) -> tuple[TagVocab, list[int]]:
    """The tag vocabulary without link distances (``B-Premise:-1:Support`` -> ``B-Premise``;
    stance kept) and, per compound tag id, its id in that vocabulary. With a link head the
    tagger can learn these few tags while the links come from the head alone."""
    labels: list[str] = []
    for tag in tags:
        prefix, label = parse_tag(tag)
        if prefix != "O" and without_links(label) not in labels:
            labels.append(without_links(label))
    vocab = TagVocab(labels, scheme)
    mapping = []
    for tag in tags:
        prefix, label = parse_tag(tag)
        mapping.append(0 if prefix == "O" else vocab.tag_to_id[f"{prefix}-{without_links(label)}"])
    return vocab, mapping


def tagging_setup(
    num_tags: int,
    allowed_transitions: object,
    link_head: bool,
    tag_distances: bool,
    link_tags: Sequence[str] | None,
    scheme: str,
) -> tuple[int, object, TagVocab | None, torch.Tensor | None]:
    """What a tagger with a link head tags: ``tag_distances=False`` swaps the compound tags for
    :func:`link_free_tags`. Returns ``(num_tags, allowed_transitions, decode vocabulary or None,
    compound id -> tagged id map or None)``."""
    if tag_distances:
        return num_tags, allowed_transitions, None, None
    if not link_head or not link_tags:
        raise ConfigError("model.net.tag_distances=false needs model.net.link_head=true")
    vocab, mapping = link_free_tags(link_tags, scheme)
    return len(vocab), vocab.allowed_transitions(), vocab, torch.tensor(mapping, dtype=torch.long)


def map_tags(tags: torch.Tensor, tag_map: torch.Tensor | None) -> torch.Tensor:
    """Compound tag ids -> the ids the tagger learns (ignored ids, < 0, stay as they are)."""
    if tag_map is None:
        return tags
    return torch.where(tags >= 0, tag_map[tags.clamp(min=0)], tags)


class LinkHeadMixin:
    """Link-head plumbing shared by the tagger networks (mixed into an ``nn.Module``).

    Call :meth:`_setup_tagging` before building the emission layer and CRF (it returns the tag
    count and constraints to use), :meth:`_setup_link_head` after them, and :meth:`_joint_loss`
    from ``loss``. Sets ``decode_vocab``, ``tag_map`` (buffer), ``links``.
    """

    links: LinkScorer | None

    def _setup_tagging(
        self,
        num_tags: int,
        allowed_transitions: object,
        link_head: bool,
        tag_distances: bool,
        link_tags: Sequence[str] | None,
        link_tag_scheme: str,
        link_weight: float,
    ) -> tuple[int, object]:
        num_tags, allowed_transitions, self.decode_vocab, tag_map = tagging_setup(
            num_tags, allowed_transitions, link_head, tag_distances, link_tags, link_tag_scheme
        )
        self.register_buffer("tag_map", tag_map, persistent=False)  # type: ignore[attr-defined]
        self.tag_names = list(link_tags) if link_tags is not None else None
        self.tag_scheme = link_tag_scheme
        self.link_weight = link_weight
        return num_tags, allowed_transitions

    def _setup_link_head(
        self, link_head: bool, input_dim: int, hidden: int, dropout: float, constrain: bool,
        context: bool = False,
    ) -> None:
        self.links = build_link_scorer(
            link_head, input_dim, self.tag_names, hidden, dropout, constrain=constrain,
            context=context,
        )

    def _joint_loss(
        self,
        head: nn.Module,
        emissions: torch.Tensor,
        states: torch.Tensor | None,
        batch: dict[str, torch.Tensor],
        dropout: nn.Module,
    ) -> torch.Tensor:
        """Tagging loss on the (mapped) tags, plus ``link_weight`` x the link loss."""
        loss = head.loss(
            emissions, map_tags(batch["tags"], self.tag_map), batch["mask"], batch.get("token_weight")
        )
        if self.links is None or states is None:
            return loss
        structures = gold_structures(
            batch["tags"], batch["mask"], self.tag_names or [], self.tag_scheme
        )
        return loss + self.link_weight * self.links.loss(dropout(states), structures)
