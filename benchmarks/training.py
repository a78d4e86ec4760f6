"""Training-benchmark helpers: compose a Hydra config, build data + model the way ``train()``
does, time Lightning batches with a callback, and run a plain PyTorch loop over the same batches."""

from __future__ import annotations

import copy
import os
import tempfile
import time
from typing import Any

import lightning.pytorch as pl
import torch
from omegaconf import DictConfig

from benchmarks.common import DEFAULT_CORPORA, REPO_ROOT


def compose_config(experiment: str, overrides: list[str]) -> DictConfig:
    """``configs/train.yaml`` + ``experiment=...`` + overrides, via Hydra's compose API."""
    from hydra import compose, initialize_config_dir

    os.environ.setdefault("ARGMINE_DATA_DIR", str(DEFAULT_CORPORA))
    out = tempfile.mkdtemp(prefix="argmine-bench-")
    with initialize_config_dir(config_dir=str(REPO_ROOT / "configs"), version_base="1.3"):
        return compose("train", overrides=[f"experiment={experiment}", f"paths.output_dir={out}", *overrides])


def build(cfg: DictConfig) -> tuple[Any, Any]:
    """Data module (read, featurized, cached) and model, exactly as ``train()`` builds them."""
    from argmine.training.train import build_datamodule, build_model

    pl.seed_everything(cfg.seed, workers=True, verbose=False)
    datamodule = build_datamodule(cfg.data)
    model = build_model(cfg.model, datamodule)
    return datamodule, model


class BatchTimer(pl.Callback):
    """Seconds inside training batches (on_train_batch_start -> end: forward, loss, backward,
    clipping, optimizer step, per-step logging) vs the whole training epoch; counts real tokens."""

    def __init__(self, token_key: str) -> None:
        self.token_key = token_key
        self.inside = 0.0
        self.epoch = 0.0
        self.tokens = 0
        self.padded = 0
        self.steps = 0

    def on_train_epoch_start(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        self._epoch_start = time.perf_counter()

    def on_train_batch_start(self, trainer: pl.Trainer, module: pl.LightningModule, batch: Any,
                             batch_idx: int) -> None:
        for part in batch.get("micro_batches") or [batch]:  # data.micro_batches: padded apart
            self.tokens += int(part[self.token_key].sum())
            self.padded += part[self.token_key].numel()
        self._start = time.perf_counter()

    def on_train_batch_end(self, trainer: pl.Trainer, module: pl.LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        self.inside += time.perf_counter() - self._start
        self.steps += 1

    def on_train_epoch_end(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        self.epoch += time.perf_counter() - self._epoch_start


def lightning_epoch(cfg: DictConfig, datamodule: Any, model: Any, init_state: dict[str, torch.Tensor],
                    token_key: str, max_steps: int, epochs: int = 1) -> dict[str, Any]:
    """``epochs`` training epochs (or ``max_steps``) with the configured Lightning Trainer,
    without validation, checkpoints, loggers or progress bar. ``seconds``: summed epoch times."""
    from hydra.utils import instantiate

    model.load_state_dict(init_state)
    timer = BatchTimer(token_key)
    trainer = instantiate(cfg.trainer, max_epochs=epochs, min_epochs=epochs, max_steps=max_steps, limit_val_batches=0,
                          enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                          logger=False, callbacks=[timer])
    start = time.perf_counter()
    trainer.fit(model, datamodule=datamodule)
    fit = time.perf_counter() - start
    return {"seconds": timer.epoch, "fit_seconds": fit, "inside_seconds": timer.inside,
            "inside_share": timer.inside / timer.epoch if timer.epoch else 0.0, "tokens": timer.tokens,
            "padded_tokens": timer.padded, "steps": timer.steps}


def plain_epoch(datamodule: Any, model: Any, init_state: dict[str, torch.Tensor], token_key: str,
                max_steps: int, lr: float, clip: float | None) -> dict[str, Any]:
    """The same network, batches and Adam optimizer in a bare PyTorch loop."""
    model.load_state_dict(init_state)
    net = model.net
    net.train()
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    loader = datamodule.train_dataloader()
    inside = 0.0
    tokens = steps = 0
    start = time.perf_counter()
    for batch in loader:
        if max_steps > 0 and steps >= max_steps:
            break
        tokens += int(batch[token_key].sum())
        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = net.loss(batch)
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
        optimizer.step()
        inside += time.perf_counter() - t0
        steps += 1
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "inside_seconds": inside, "inside_share": inside / seconds if seconds else 0.0,
            "tokens": tokens, "steps": steps}


def snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return copy.deepcopy(model.state_dict())
