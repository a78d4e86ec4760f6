"""argmine.data: the LightningDataModule and length-bucketed batching."""

from argmine.data.datamodule import ArgumentDataModule

__all__ = ["ArgumentDataModule"]
