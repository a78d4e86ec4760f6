"""Optimizer parameter groups (layer-wise LR decay) and a linear warm-up/decay schedule."""

from __future__ import annotations

import re

import torch
from torch import nn
from torch.optim.lr_scheduler import LambdaLR

_LAYER = re.compile(r"(?:^|\.)layers?\.(\d+)\.")


def _no_decay(name: str, param: nn.Parameter) -> bool:
    return param.ndim <= 1 or name.endswith(".bias") or "norm" in name.lower()


def layerwise_param_groups(
    model: nn.Module,
    lr: float,
    layer_decay: float = 1.0,
    weight_decay: float = 0.0,
    head_lr: float | None = None,
) -> list[dict]:
    """Parameter groups with layer-wise learning-rate decay over ``model.encoder``.

    With ``L`` encoder layers: embeddings get ``lr * decay**L``, layer ``i`` (0-based) gets
    ``lr * decay**(L - 1 - i)``, other encoder parameters (e.g. pooler) ``lr``; everything outside
    the encoder (classifier, CRF) gets ``head_lr`` (default ``lr``). Biases, LayerNorm weights
    and other 1-D parameters get no weight decay. Frozen parameters are left out. The groups
    partition the trainable parameters; empty groups are dropped.
    """
    encoder = getattr(model, "encoder", None)
    num_layers = int(getattr(getattr(encoder, "config", None), "num_hidden_layers", 0) or 0)
    encoder_ids = {id(p) for p in encoder.parameters()} if encoder is not None else set()
    groups: dict[tuple[float, float], list[nn.Parameter]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if id(param) in encoder_ids:
            match = _LAYER.search(name)
            if "embeddings" in name:
                depth = num_layers
            elif match is not None:
                depth = max(num_layers - 1 - int(match.group(1)), 0)
            else:
                depth = 0
            group_lr = lr * layer_decay**depth
        else:
            group_lr = head_lr if head_lr is not None else lr
        wd = 0.0 if _no_decay(name, param) else weight_decay
        groups.setdefault((group_lr, wd), []).append(param)
    return [
        {"params": params, "lr": group_lr, "weight_decay": wd}
        for (group_lr, wd), params in sorted(groups.items(), key=lambda kv: kv[0])
    ]


def linear_warmup_schedule(
    optimizer: torch.optim.Optimizer,
    *,
    total_steps: int,
    warmup_steps: int | None = None,
    warmup_ratio: float | None = None,
) -> LambdaLR:
    """Linear warm-up (from LR/(warmup+1)) to each group's LR, then linear decay to 0 at ``total_steps``.

    Give ``warmup_steps`` or ``warmup_ratio`` (fraction of ``total_steps``); neither means none.
    """
    if total_steps < 1:
        raise ValueError(f"total_steps must be >= 1, got {total_steps}")
    if warmup_steps is None:
        warmup_steps = round((warmup_ratio or 0.0) * total_steps)
    warmup = max(0, min(warmup_steps, total_steps))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return LambdaLR(optimizer, factor)
