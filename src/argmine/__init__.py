"""argmine: argument mining research framework.

Heavy dependencies (torch, lightning) are imported lazily: ``import argmine`` is cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
