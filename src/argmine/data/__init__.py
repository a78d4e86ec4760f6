"""argmine.data: the LightningDataModules (one corpus, several corpora) and length-bucketed batching."""

from argmine.data.datamodule import ArgumentDataModule
from argmine.data.multi import MultiCorpusDataModule

__all__ = ["ArgumentDataModule", "MultiCorpusDataModule"]
