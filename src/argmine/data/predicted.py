"""Components predicted by a tagger, read back as documents for the pipeline relation step.

The input is the ``argmine predict`` jsonl format (one ``{"id", "text", "spans": [...]}`` object
per document), as ``argmine train`` / ``argmine eval`` of a tagger write it to
``<run>/predictions/<stage>.jsonl``. Each record replaces the spans of the corpus document with
the same id; spans are snapped outwards to the corpus tokens they overlap, so predictions made
with another tokenization (``argmine predict`` on the corpus texts) line up with the corpus units.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from argmine.documents import Document, Span
from argmine.errors import ConfigError, DocumentError

log = logging.getLogger(__name__)

#: document id -> (predicted spans, the text they were predicted on or None)
Predicted = dict[str, tuple[list[Span], str | None]]


def read_predicted_components(path: str | Path) -> Predicted:
    """The spans of every record of a prediction jsonl file: offsets, labels and scores only
    (the tagger's relations and span attributes, e.g. its stance, are ignored: the pair model
    predicts those)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"data.predicted_components: {path} is not a file (a tagger run writes "
            "<run>/predictions/test.jsonl; `argmine predict --format jsonl` writes the same format)"
        )
    out: Predicted = {}
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                spans = [Span.from_dict({**s, "attributes": {}}) for s in rec["spans"]]
                out[str(rec["id"])] = (spans, rec.get("text"))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise DocumentError(f"{path}:{number}: not a prediction record ({exc!r})") from None
    return out


def snap_to_tokens(spans: Sequence[Span], tokens: Sequence[tuple[int, int]]) -> tuple[list[Span], int]:
    """Each span widened to the first/last token it overlaps; spans overlapping no token are
    dropped. Returns the spans and how many were dropped."""
    out, dropped = [], 0
    for span in spans:
        covered = [t for t in tokens if t[1] > span.start and t[0] < span.end]
        if not covered:
            dropped += 1
            continue
        out.append(Span(covered[0][0], covered[-1][1], span.label, span.id))
    return out, dropped


def predicted_documents(
    gold: Sequence[Document],
    predicted: Predicted,
    path: str | Path,
    tokens_of: Callable[[Document], Sequence[tuple[int, int]]],
) -> list[Document]:
    """One document per gold document, with the predicted spans (snapped to
    ``tokens_of(doc)``) and no relations. Every gold document must have a record."""
    missing = [d.id for d in gold if d.id not in predicted]
    if missing:
        raise DocumentError(
            f"{path}: no predictions for {len(missing)} of {len(gold)} documents "
            f"(first: {missing[:3]}); predict the same corpus split"
        )
    out, dropped = [], 0
    for doc in gold:
        spans, text = predicted[doc.id]
        if text is not None and text != doc.text:
            raise DocumentError(f"{path}: document {doc.id}: its text differs from the corpus text")
        snapped, n = snap_to_tokens(spans, tokens_of(doc))
        dropped += n
        try:
            out.append(doc.replace(spans=snapped, relations=[]))
        except DocumentError as exc:
            raise DocumentError(f"{path}: document {doc.id}: {exc}") from None
    if dropped:
        log.warning("%s: %d predicted span(s) cover no corpus token and were left out", path, dropped)
    return out
