"""``train()`` and ``evaluate()``: short functions made of named steps.

Both take a composed Hydra config (see ``configs/train.yaml`` / ``configs/eval.yaml``) and
return the final metrics, which are also written to ``<run>/metrics.json``.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from hydra.core.hydra_config import HydraConfig
from hydra.utils import instantiate
from lightning.pytorch.callbacks import WeightAveraging
from omegaconf import DictConfig, OmegaConf

from argmine.data.datamodule import ArgumentDataModule
from argmine.errors import ConfigError, CorpusNotFoundError
from argmine.io import atomic_write, jsonl_line
from argmine.models.export import export_model, load_module
from argmine.portable import check_portable_cpu
from argmine.quiet import expected_lightning_warnings
from argmine.training.callbacks import CrashAfterSteps
from argmine.training.config_check import check_config, check_metric_names
from argmine.training.loggers import finish_wandb
from argmine.training.pruning import OptunaPruning
from argmine.training.resume import resume_checkpoint

log = logging.getLogger(__name__)


# -- steps -----------------------------------------------------------------------------------------
def build_datamodule(data_cfg: DictConfig) -> ArgumentDataModule:
    datamodule = instantiate(data_cfg, _convert_="all")
    datamodule.prepare_corpus()
    return datamodule


def build_model(model_cfg: DictConfig, datamodule: ArgumentDataModule) -> Any:
    """Fit the featurizer on the training words (the other stages' words are offered for
    ``extend_vocabulary``), featurize the data, then build the model with the data-derived
    arguments (tag vocabulary, vocabulary sizes)."""
    featurizer = instantiate(model_cfg.featurizer)
    featurizer.fit(datamodule.train_words(), datamodule.words("val") + datamodule.words("test"))
    datamodule.attach_featurizer(featurizer)
    kwargs = {k: v for k, v in model_cfg.items() if k not in {"name", "featurizer"}}
    node = OmegaConf.create(kwargs)
    return instantiate(node, featurizer=featurizer, **datamodule.model_inputs())


def build_callbacks(cfg: DictConfig | None, progress_bar: bool = True) -> list[pl.Callback]:
    """Instantiate the configured callbacks (a progress bar only when the trainer shows one)."""
    callbacks = [
        instantiate(c)
        for c in (cfg or {}).values()
        if c is not None and "_target_" in c and (progress_bar or "ProgressBar" not in c._target_)
    ]
    if CrashAfterSteps().steps is not None:
        callbacks.append(CrashAfterSteps())
    return callbacks


def trial_pruning(cfg: DictConfig) -> Any:
    """The pruning callback of an Optuna sweep trial (``optuna_trial`` set by the sweeper), or None."""
    link = cfg.get("optuna_trial")
    if not link:
        return None
    # the pruner is not stored with the study: the trial builds the sweep's own (hydra.sweeper.pruner)
    pruner_cfg = HydraConfig.get().sweeper.get("pruner") if HydraConfig.initialized() else None
    if pruner_cfg is None:
        raise ConfigError("optuna_trial is set by argmine's Optuna sweeper for a sweep with hydra.sweeper.pruner; "
                          "this run has no pruner")
    return OptunaPruning(str(link.storage), str(link.study_name), int(link.number), str(cfg.optimized_metric),
                         pruner=instantiate(pruner_cfg))


def mark_pruned(loggers: list[Any], epoch: int) -> None:
    """Say in the W&B run (when one is logged) that the sweep's pruner stopped this trial."""
    for logger in loggers:
        if type(logger).__name__ == "WandbLogger":
            run = logger.experiment
            run.tags = (*run.tags, "pruned")
            run.summary["pruned_after_epoch"] = epoch


def build_loggers(cfg: DictConfig | None) -> list[Any]:
    return [instantiate(c) for c in (cfg or {}).values() if c is not None and "_target_" in c]


def log_config(loggers: list[Any], cfg: DictConfig) -> None:
    resolved = OmegaConf.to_container(cfg, resolve=True)
    for logger in loggers:
        logger.log_hyperparams(resolved)


def pick_checkpoint(trainer: pl.Trainer, which: str) -> str | None:
    """``best``: the monitored callback's best checkpoint; ``last``: the newest epoch's (the
    callback without ``monitor``, else a ``save_last`` file); ``None`` without checkpoints."""
    if which not in {"best", "last"}:
        raise ConfigError(f"eval_checkpoint must be 'best' or 'last', got {which!r}")
    callbacks = list(getattr(trainer, "checkpoint_callbacks", []))
    monitored = [c for c in callbacks if c.monitor is not None]
    newest = [c for c in callbacks if c.monitor is None]
    if which == "best" and monitored and monitored[0].best_model_path:
        return monitored[0].best_model_path
    if newest and newest[0].best_model_path:
        return newest[0].best_model_path
    return next((c.last_model_path for c in callbacks if c.last_model_path), None)


def checkpoint_selection(trainer: pl.Trainer, ckpt: str | None) -> dict[str, Any]:
    """Which metric chose the evaluated checkpoint (``selected_by``: the monitor, or ``last``)
    and the epoch it was saved after (``selected_epoch``, counted from 0); ``{}`` without one."""
    if ckpt is None:
        return {}
    monitored = [c for c in trainer.checkpoint_callbacks if c.monitor is not None]
    chosen_by = monitored[0].monitor if monitored and monitored[0].best_model_path == ckpt else "last"
    saved = torch.load(ckpt, map_location="cpu", weights_only=True, mmap=True)
    return {"selected_by": chosen_by, "selected_epoch": int(saved["epoch"])}


def without_weight_averaging(trainer: pl.Trainer) -> None:
    """Drop weight-averaging callbacks (``callbacks.ema``) before evaluating a checkpoint: theirs
    would load the checkpoint's raw weights (``current_model_state``) instead of the averaged ones
    in ``state_dict``, which validation saw and chose the checkpoint on, and which ``argmine eval``
    and the export use."""
    trainer.callbacks = [c for c in trainer.callbacks if not isinstance(c, WeightAveraging)]


def run_stages(trainer: pl.Trainer, model: Any, datamodule: ArgumentDataModule, stages: list[str],
               ckpt_path: str | None) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for stage in stages:
        if stage not in datamodule.records:
            continue
        run = trainer.validate if stage == "val" else trainer.test
        with expected_lightning_warnings():
            results = run(model, datamodule=datamodule, ckpt_path=ckpt_path, verbose=False)
        for key, value in (results[0] if results else {}).items():
            if key.startswith(f"{stage}/"):
                metrics[key] = float(value)
    return metrics


def write_metrics(path: Path, metrics: dict[str, Any]) -> None:
    clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in sorted(metrics.items())}
    tmp = path.with_suffix(".json.part")
    tmp.write_text(json.dumps(clean, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def write_predictions(model: Any, folder: Path, trainer: pl.Trainer) -> None:
    """The decoded documents of each evaluated stage as ``folder/<stage>.jsonl`` (the
    ``argmine predict`` jsonl format): input of the pipeline relation step, or error analysis.
    Skipped under data parallelism (each rank holds only its share of the documents)."""
    predictions = getattr(model, "predictions", None) or {}
    if not predictions or trainer.world_size > 1:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for stage, docs in predictions.items():
        atomic_write(folder / f"{stage}.jsonl", "".join(jsonl_line(doc) for doc in docs))


def export_evaluated(model: Any, folder: Path, cfg: DictConfig) -> None:
    """Export the model as evaluated (``run_stages`` loaded the chosen checkpoint into it);
    multi-corpus data (``data=multi``) records its corpora and no unit (each has its own)."""
    data = cfg.data
    extra = {"corpus": data.corpus, "schema": str(data.schema), "unit": data.get("unit"), "run": str(folder.parent),
             "corpora": list(data.corpora) if data.get("corpora") is not None else None,
             "corpus_marker": data.get("corpus_marker") if data.get("corpus_marker") != "none" else None}
    export_model(model, folder, extra={k: v for k, v in extra.items() if v is not None})


# -- entry points ------------------------------------------------------------------------------------
def train(cfg: DictConfig) -> dict[str, Any]:
    """Train, evaluate the best checkpoint on val and test, export, write metrics.json (and
    the decoded val/test documents to ``predictions/<stage>.jsonl``)."""
    check_config(cfg)
    run_dir = Path(cfg.paths.output_dir)
    pl.seed_everything(cfg.seed, workers=True, verbose=False)
    datamodule = build_datamodule(cfg.data)
    model = build_model(cfg.model, datamodule)
    check_metric_names(cfg, model)  # before any logger (W&B) starts
    loggers = build_loggers(cfg.get("logger"))
    pruning = trial_pruning(cfg)
    callbacks = build_callbacks(cfg.get("callbacks"), cfg.trainer.get("enable_progress_bar", True))
    trainer = instantiate(cfg.trainer, callbacks=callbacks + ([pruning] if pruning else []), logger=loggers or False)
    try:
        log_config(loggers, cfg)
        if cfg.train:
            with resume_checkpoint(cfg, run_dir, model, trainer) as ckpt_path, expected_lightning_warnings():
                trainer.fit(model, datamodule=datamodule, ckpt_path=ckpt_path)
        ckpt = pick_checkpoint(trainer, cfg.eval_checkpoint) if cfg.train else None
        selection = checkpoint_selection(trainer, ckpt)  # before evaluation restores callback states
        without_weight_averaging(trainer)
        pruned = pruning.pruned_after_epoch if pruning else None
        stages = ["val"] + (["test"] if cfg.test and pruned is None else [])  # a pruned trial is not tested
        metrics: dict[str, Any] = {**run_stages(trainer, model, datamodule, stages, ckpt), **selection}
        if pruned is not None:
            metrics["pruned_after_epoch"] = pruned
            mark_pruned(loggers, pruned)
        if trainer.global_rank == 0:
            write_metrics(run_dir / "metrics.json", metrics)
            write_predictions(model, run_dir / "predictions", trainer)
            if cfg.export and cfg.train:
                export_evaluated(model, run_dir / "model", cfg)
    finally:
        finish_wandb()
    return metrics


def evaluate(cfg: DictConfig) -> dict[str, float]:
    """Evaluate a checkpoint (or exported model folder) on the configured stages."""
    run_dir = Path(cfg.paths.output_dir)
    model = load_module(cfg.ckpt_path)
    data_cfg = cfg.data if cfg.get("data") is not None else training_data_config(cfg.ckpt_path)
    pl.seed_everything(cfg.seed, workers=True, verbose=False)
    datamodule = instantiate(data_cfg, _convert_="all")
    datamodule.prepare_corpus()
    datamodule.attach_featurizer(model.featurizer)
    check_labels(model.tag_vocab, datamodule, str(cfg.ckpt_path))
    datamodule.tag_vocab = model.tag_vocab
    loggers = build_loggers(cfg.get("logger"))
    trainer = instantiate(cfg.trainer, logger=loggers or False, callbacks=[])
    try:
        metrics = run_stages(trainer, model, datamodule, list(cfg.stages), None)
        if trainer.global_rank == 0:
            write_metrics(run_dir / "metrics.json", metrics)
            write_predictions(model, run_dir / "predictions", trainer)
    finally:
        finish_wandb()
    return metrics


def check_labels(model_vocab: Any, datamodule: ArgumentDataModule, ckpt_path: str) -> None:
    """Refuse data the model cannot score: span labels (or a tag scheme) it never saw make one
    error listing both label sets. Labels of the model that the data lacks are fine (they can
    only be predicted, never gold) and are logged by name."""
    data_labels = datamodule.present_labels()
    model_labels = list(model_vocab.labels)
    unknown = sorted(set(data_labels) - set(model_labels))
    if unknown:
        raise ConfigError(
            f"{ckpt_path}: the data has span labels the model never saw: {unknown} "
            f"(model: {sorted(model_labels)}; data: {sorted(data_labels)}); evaluate on data with the "
            "model's labels, e.g. leave out data= to use its training data, or set data.schema"
        )
    if datamodule.tag_scheme != model_vocab.scheme:
        raise ConfigError(
            f"{ckpt_path}: the model tags with {model_vocab.scheme}, the data with "
            f"data.tag_scheme={datamodule.tag_scheme}; set data.tag_scheme={model_vocab.scheme}"
        )
    absent = sorted(set(model_labels) - set(data_labels))
    if absent:
        log.warning("labels of the model absent from the data (no gold spans; predicted ones count as "
                    "false positives): %s", absent)


def check_objective(cfg: DictConfig, name: str) -> None:
    """A sweep's objective ``name`` must be a metric its runs log: the run's data and model are
    built (not trained) and asked. Skipped, with a line on stderr, where the corpus is missing."""
    cfg = OmegaConf.merge(cfg, {"optimized_metric": name, "callbacks": None})
    try:
        model = build_model(cfg.model, build_datamodule(cfg.data))
    except CorpusNotFoundError:
        print(f"optimized_metric={name} not checked before the sweep: its corpus is not on this machine",
              file=sys.stderr)
        return
    check_metric_names(cfg, model)


def training_data_config(ckpt_path: str) -> DictConfig:
    """The ``data`` config of the run that wrote a checkpoint (``<run>/.hydra/config.yaml``)."""
    path = Path(ckpt_path).resolve()
    for parent in [path, *path.parents][:4]:
        saved = parent / ".hydra" / "config.yaml"
        if saved.is_file():
            cfg = OmegaConf.load(saved)
            return OmegaConf.create(_resolved_data(cfg))
    raise ConfigError(
        f"no training config found next to {ckpt_path} (looked for .hydra/config.yaml in its run folder); "
        "pass data=<name> to say which data to evaluate on"
    )


def _resolved_data(cfg: DictConfig) -> dict[str, Any]:
    data = OmegaConf.to_container(cfg.data, resolve=True)
    assert isinstance(data, dict)
    return data


def configure_torch(deterministic: bool, cpu_portable: bool = False) -> None:
    """Deterministic algorithms, and with ``cpu_portable`` the CPU settings under which one
    thread computes the same floats on every x86-64 CPU (see :mod:`argmine.portable`)."""
    torch.set_float32_matmul_precision("high")
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
    if cpu_portable:
        check_portable_cpu()
        torch.backends.mkldnn.enabled = False
