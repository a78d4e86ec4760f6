"""How close a transformer run is to what this CPU can compute: encoder FLOPs against a measured
matrix-multiply peak.

``encoder_flops_per_token`` counts the dense layers of a BERT-style encoder (Q, K, V, output and
the two feed-forward matrices: ``2 * layers * (4 h^2 + 2 h i)`` multiply-adds x 2); attention
scores, softmax, LayerNorm and GELU are left out, so the achieved rate is a lower bound.
``matmul_peak_gflops`` times ``torch.mm`` at the encoder's own feed-forward shape on the current
thread count: what the dense layers could reach at best on this machine. A forward pre-hook
(``TokenCounter``) counts the sub-word tokens the encoder really processed (padding included
and excluded), on either side of a benchmark.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch


class TokenCounter:
    """Forward pre-hook (``register_forward_pre_hook(counter, with_kwargs=True)``) counting the
    real tokens (attention-mask sum) and padded positions of each forward call; ``attach``
    also times the forward calls (``seconds``).

    ``training_only=True`` counts training forwards only (counting in a collator would
    over-count: accelerate's loader fetches one batch ahead).
    """

    def __init__(self, training_only: bool = False) -> None:
        self.training_only = training_only
        self.tokens = 0
        self.padded = 0
        self.steps = 0
        self.seconds = 0.0
        self._started = 0.0

    def attach(self, module: torch.nn.Module) -> Callable[[], None]:
        """Count and time ``module``'s forward calls; returns a function that detaches."""

        def start(*_: Any) -> None:
            self._started = time.perf_counter()

        def stop(*_: Any) -> None:
            self.seconds += time.perf_counter() - self._started

        handles = [module.register_forward_pre_hook(self, with_kwargs=True),
                   module.register_forward_pre_hook(start), module.register_forward_hook(stop)]

        def detach() -> None:
            for handle in handles:
                handle.remove()

        return detach

    def __call__(self, module: Any, args: tuple, kwargs: dict[str, Any]) -> None:
        if self.training_only and not module.training:
            return
        mask = kwargs.get("attention_mask")
        if mask is None:
            ids = kwargs.get("input_ids", args[0] if args else None)
            mask = torch.ones_like(ids)
        self.tokens += int(mask.sum())
        self.padded += mask.numel()
        self.steps += 1


def encoder_flops_per_token(config: Any) -> float:
    """FLOPs of one token through the dense layers of a BERT-style encoder ``config``."""
    h, i, n = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    return 2.0 * n * (4 * h * h + 2 * h * i)


def matmul_peak_gflops(rows: int, inner: int, cols: int, seconds: float = 1.0,
                       dtype: torch.dtype = torch.float32) -> float:
    """Best GFLOP/s of ``[rows, inner] @ [inner, cols]`` in ``dtype`` (default fp32) over
    ``seconds`` of repeats."""
    a, b = torch.randn(rows, inner, dtype=dtype), torch.randn(inner, cols, dtype=dtype)
    flops = 2.0 * rows * inner * cols
    best = 0.0
    with torch.inference_mode():
        for _ in range(3):
            torch.mm(a, b)  # warm-up
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            start = time.perf_counter()
            for _ in range(10):
                torch.mm(a, b)
            best = max(best, 10 * flops / (time.perf_counter() - start))
    return best / 1e9


def roofline(config: Any, tokens: int, seconds: float, peak_gflops: float) -> dict[str, float]:
    """Achieved dense-layer GFLOP/s of ``tokens`` real encoder tokens in ``seconds``, and its
    share of ``peak_gflops``."""
    achieved = encoder_flops_per_token(config) * tokens / seconds / 1e9
    return {"encoder_tokens": tokens, "gflops": round(achieved, 1), "share_of_peak": round(achieved / peak_gflops, 3)}
