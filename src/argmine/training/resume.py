"""Resuming a run: which checkpoint ``ckpt_path`` means, whether it fits the model, and the
checkpoint callbacks' state carried into the new run folder.

``ckpt_path=last`` means *this run*: the ``last.ckpt`` of this run folder, else of the newest
earlier run (``runs/*_NAME``, an interrupted ``runs/*_NAME_FAILED``, or a multirun job) whose saved config equals this one apart from
:data:`RESUME_KEYS`. A run resumed into a new folder would lose Lightning's record of the best
epoch (ModelCheckpoint reloads it only from the same ``dirpath``), so the best checkpoint is
copied into the new folder and the callbacks' state is pointed at it: the resumed run evaluates
the same best epoch as the uninterrupted run would.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig, OmegaConf

from argmine.errors import CheckpointError
from argmine.models.export import load_checkpoint_file

log = logging.getLogger(__name__)

#: config keys a resumed run may change (and their children): where it writes, how long it trains, how it logs
RESUME_KEYS = ("ckpt_path", "paths", "logger", "tags", "trainer.max_epochs", "trainer.max_steps",
               "trainer.enable_progress_bar", "callbacks.rich_progress_bar", "callbacks.wandb_report")


@contextmanager
def resume_checkpoint(cfg: DictConfig, run_dir: Path, model: Any, trainer: Any) -> Iterator[str | None]:
    """The checkpoint file to give ``trainer.fit`` (``None``: a fresh run), after checking that
    it fits ``model`` and carrying its checkpoint callbacks' state into this run folder."""
    path = resolve(cfg.get("ckpt_path"), run_dir, cfg)
    if path is None:
        yield None
        return
    ckpt = load_checkpoint_file(path)
    check_compatible(ckpt, model, path)
    if not carry_callback_state(ckpt, trainer, path.parent):
        yield str(path)
        return
    log.info("resuming from %s; its best checkpoint and callback state are carried into %s", path, run_dir)
    handle, tmp = tempfile.mkstemp(prefix=".resume-", suffix=".ckpt", dir=run_dir)
    try:
        with open(handle, "wb") as fh:
            torch.save(ckpt, fh)
        yield tmp
    finally:
        Path(tmp).unlink(missing_ok=True)


def resolve(ckpt_path: str | None, run_dir: Path, cfg: DictConfig) -> Path | None:
    """``null`` -> fresh run; ``last`` -> this run's ``last.ckpt`` (see the module docstring);
    a path -> that file (must exist)."""
    if ckpt_path is None:
        return None
    if ckpt_path != "last":
        if not Path(ckpt_path).is_file():
            raise CheckpointError(f"ckpt_path: checkpoint not found: {ckpt_path}")
        return Path(ckpt_path)
    own = run_dir / "checkpoints" / "last.ckpt"
    if own.is_file():
        return own
    root = Path(cfg.paths.root_dir) / cfg.task_name
    candidates = [p.parent.parent for p in [*root.glob(f"runs/*_{cfg.name}/checkpoints/last.ckpt"),
                                            *root.glob(f"runs/*_{cfg.name}_FAILED*/checkpoints/last.ckpt"),
                                            *root.glob(f"multiruns/*_{cfg.name}/*/checkpoints/last.ckpt")]]
    candidates.sort(key=lambda d: (d / "checkpoints" / "last.ckpt").stat().st_mtime, reverse=True)
    ours = _flat_config(run_dir, cfg)
    differences = {}
    for candidate in candidates:
        if candidate.resolve() == run_dir.resolve():
            continue
        differs = _differences(ours, _flat_config(candidate))
        if not differs:
            log.info("ckpt_path=last: resuming %s", candidate)
            return candidate / "checkpoints" / "last.ckpt"
        differences[candidate] = differs
    where = f"{root}/runs/*_{cfg.name}"
    if not differences:
        raise CheckpointError(f"ckpt_path=last: no last.ckpt in {own.parent} nor in an earlier run {where}/")
    closest, keys = min(differences.items(), key=lambda item: len(item[1]))
    raise CheckpointError(
        f"ckpt_path=last: no earlier run with this config in {where}/ ({len(differences)} named {cfg.name!r} "
        f"differ; the closest, {closest.name}, in {', '.join(keys[:5])}{' ...' if len(keys) > 5 else ''}); "
        "give ckpt_path=<run>/checkpoints/last.ckpt to resume another run"
    )


def _flat_config(run_dir: Path, cfg: DictConfig | None = None) -> dict[str, Any]:
    """The run's composed config as Hydra saved it (unresolved), flattened to dotted keys."""
    saved = run_dir / ".hydra" / "config.yaml"
    if saved.is_file():
        node: Any = OmegaConf.load(saved)
    elif cfg is not None:
        node = cfg
    else:
        return {"<no .hydra/config.yaml>": True}
    flat: dict[str, Any] = {}

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict) and value:
            for key, child in value.items():
                walk(child, f"{prefix}.{key}" if prefix else str(key))
        else:
            flat[prefix] = value

    walk(OmegaConf.to_container(node, resolve=False), "")
    return flat


def _differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    def resumable(key: str) -> bool:
        return any(key == k or key.startswith(k + ".") for k in RESUME_KEYS)

    return sorted(k for k in set(a) | set(b) if not resumable(k) and a.get(k, "<absent>") != b.get(k, "<absent>"))


def check_compatible(ckpt: dict[str, Any], model: Any, path: Path) -> None:
    """Refuse, before anything loads, a checkpoint of another model: one line naming the file and
    what differs (network class, label set, parameter names or shapes)."""
    problems = []
    theirs = ckpt.get("argmine")
    if isinstance(theirs, dict) and hasattr(model, "export_state"):
        mine = model.export_state()
        if theirs.get("net", {}).get("class") != mine["net"]["class"]:
            problems.append(f"network {theirs.get('net', {}).get('class')} (this run: {mine['net']['class']})")
        their_labels = theirs.get("tag_vocab", {}).get("labels")
        if their_labels != mine["tag_vocab"]["labels"]:
            problems.append(f"labels {their_labels} (this run: {mine['tag_vocab']['labels']})")
    if not problems:
        weights, own = ckpt.get("state_dict", {}), model.state_dict()
        unknown = sorted(set(weights) ^ set(own))
        shapes = sorted(k for k in set(weights) & set(own) if tuple(weights[k].shape) != tuple(own[k].shape))
        if unknown:
            problems.append(f"parameters {unknown[:3]}{' ...' if len(unknown) > 3 else ''} in only one of the two")
        if shapes:
            k = shapes[0]
            problems.append(f"shape of {k} {tuple(weights[k].shape)} (this run: {tuple(own[k].shape)})"
                            + (f" and {len(shapes) - 1} more" if len(shapes) > 1 else ""))
    if problems:
        raise CheckpointError(f"{path}: not a checkpoint of this model: {'; '.join(problems)}")


def carry_callback_state(ckpt: dict[str, Any], trainer: Any, source: Path) -> bool:
    """Point each checkpoint callback's saved state at this run's checkpoint folder, copying the
    files it names (best and last checkpoints) there from ``source`` (the folder the resumed
    checkpoint is in now: a failed run's folder has been renamed since it saved its state);
    ``True`` when anything changed. A named file that no longer exists is forgotten, with a warning."""
    changed = False
    states = ckpt.get("callbacks", {})
    for callback in getattr(trainer, "checkpoint_callbacks", []):
        state = states.get(callback.state_key)
        if not state or callback.dirpath is None or not state.get("dirpath"):
            continue
        new = Path(callback.dirpath)
        if Path(state["dirpath"]).resolve() == new.resolve():
            continue
        new.mkdir(parents=True, exist_ok=True)

        def move(name: str | None, new: Path = new) -> str | None:
            if not name:
                return name
            found, target = source / Path(name).name, new / Path(name).name
            if not found.is_file():
                log.warning("resume: %s (named in the checkpoint's callback state) is gone; not carried", found)
                return None
            if not target.exists():
                shutil.copy2(found, target)
            return str(target)

        for key in ("best_model_path", "kth_best_model_path", "last_model_path"):
            if key in state:
                state[key] = move(state[key]) or ""
        if "best_k_models" in state:
            moved = {move(k): v for k, v in state["best_k_models"].items()}
            state["best_k_models"] = {k: v for k, v in moved.items() if k}
        if not state.get("best_model_path") and "best_model_score" in state:
            state["best_model_score"] = None
        state["dirpath"] = str(new)
        changed = True
    return changed
