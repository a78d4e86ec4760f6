"""argmine: argument mining research framework.

Heavy dependencies (torch, lightning) are imported lazily: ``import argmine`` is cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "load"]


def load(path: str, **kwargs: object) -> object:
    """Load a trained model for prediction: ``p = argmine.load(DIR); doc = p("text")``.

    ``DIR`` is an exported model folder (``<run>/model``) or a checkpoint file.
    """
    # deferred: the predictor imports torch; `import argmine` stays cheap
    from argmine.predict.predictor import load as _load

    return _load(path, **kwargs)
