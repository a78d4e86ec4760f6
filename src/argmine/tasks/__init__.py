"""Tasks: one object per problem owns its round trip Document -> tensors -> Document."""

from argmine.tasks.pairs import PairDecoding, PairEncoding, PairOutput, PairTask
from argmine.tasks.tagging import (
    TaggingTask,
    UnitDecoding,
    UnitEncoding,
    featurize_unit,
    renumber,
    stitch,
    takes_marker,
    window_output,
)

__all__ = [
    "PairDecoding",
    "PairEncoding",
    "PairOutput",
    "PairTask",
    "TaggingTask",
    "UnitDecoding",
    "UnitEncoding",
    "featurize_unit",
    "renumber",
    "stitch",
    "takes_marker",
    "window_output",
]
