"""argmine.models: networks (BiLSTM-CNN-CRF, transformer tagger, CRF) and the LightningModule."""

from argmine.models.module import TaggerModule

__all__ = ["TaggerModule"]
