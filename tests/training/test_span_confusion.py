"""The component confusion matrix behind the W&B image, on a hand-worked example."""

from __future__ import annotations

from argmine.documents import Document, Span
from argmine.training.callbacks import span_confusion

TEXT = "Cities need trees. Shade cools streets. Parks cost money. Taxes rise."


def _doc(spans: list[tuple[int, int, str]]) -> Document:
    return Document(id="d1", text=TEXT, spans=[Span(s, e, label) for s, e, label in spans])


def test_each_label_once_and_none_last_with_hand_counted_cells() -> None:
    # gold: claim [0,18), premise [19,39), premise [40,57)
    gold = _doc([(0, 18, "claim"), (19, 39, "premise"), (40, 57, "premise")])
    # predicted: claim over the claim, claim over the first premise, nothing on the second premise,
    # a premise on "Taxes rise." which overlaps no gold span
    predicted = _doc([(0, 18, "claim"), (19, 39, "claim"), (58, 69, "premise")])
    labels, matrix = span_confusion([predicted], [gold])
    assert labels == ["claim", "premise", "none"]
    assert matrix == [
        # pred: claim premise none
        [1, 0, 0],  # gold claim
        [1, 0, 1],  # gold premise: one read as claim, one missed
        [0, 1, 0],  # no gold: one spurious premise
    ]


def test_a_document_without_predictions_counts_every_gold_span_as_missed() -> None:
    gold = _doc([(0, 18, "claim")])
    labels, matrix = span_confusion([], [gold])
    assert labels == ["claim", "none"]
    assert matrix == [[0, 1], [0, 0]]
