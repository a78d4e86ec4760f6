"""Resuming an interrupted run (``ckpt_path=last`` or a path) gives the uninterrupted run's
numbers whatever folder it writes to, resumes only this run, and refuses another model's checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from conftest import run_argmine

pytestmark = pytest.mark.slow  # CLI subprocesses that train: `make test` only

# mode=min: the best epoch is an early one, so the resumed run must remember it across the crash
COMMON = ["train", "experiment=quickstart", "trainer.max_epochs=3", "logger=csv", "seed=3",
          "trainer.enable_progress_bar=false", "callbacks.early_stopping=null", "export=false",
          "callbacks.model_checkpoint.mode=min"]


def _run_dir(proc: object) -> Path:
    return Path(proc.stdout.strip().splitlines()[-1])  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run as it goes without interruption: its last epoch (2) is not its best (0)."""
    run = tmp_path_factory.mktemp("full")
    full = run_argmine(*COMMON, f"hydra.run.dir={run}")
    assert full.returncode == 0, full.stderr[-2000:]
    last = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True, map_location="cpu")
    best = torch.load(run / "checkpoints" / "best.ckpt", weights_only=True, map_location="cpu")
    assert last["epoch"] == 2 and best["epoch"] == 0  # the last epoch is not the best one
    return run


@pytest.mark.parametrize("stop", ["ARGMINE_INTERRUPT_AFTER_STEPS", "ARGMINE_CRASH_AFTER_STEPS"],
                         ids=["keyboard-interrupt", "killed"])
def test_resumed_in_a_new_folder_equals_the_uninterrupted_run(uninterrupted: Path, stop: str,
                                                               tmp_path: Path) -> None:
    steps = torch.load(uninterrupted / "checkpoints" / "last.ckpt", weights_only=True,
                       map_location="cpu")["global_step"] // 3
    # stopped in the middle of epoch 2 (Ctrl-C as Lightning sees it, or killed outright): its
    # newest checkpoint is epoch 1, which is worse than its best, epoch 0
    root = tmp_path / "outputs"
    stopped = run_argmine(*COMMON, f"paths.root_dir={root}", env={stop: str(2 * steps + steps // 2)})
    assert stopped.returncode != 0
    [stopped_run] = (root / "train" / "runs").iterdir()
    last = torch.load(stopped_run / "checkpoints" / "last.ckpt", weights_only=True, map_location="cpu")
    best = torch.load(stopped_run / "checkpoints" / "best.ckpt", weights_only=True, map_location="cpu")
    assert (last["epoch"], best["epoch"]) == (1, 0)
    assert not (stopped_run / "metrics.json").exists()
    # resumed without hydra.run.dir: a new run folder, the best epoch carried over
    resumed = run_argmine(*COMMON, f"paths.root_dir={root}", "ckpt_path=last")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    resumed_run = _run_dir(resumed)
    assert resumed_run != stopped_run and stopped_run.name in resumed.stdout + resumed.stderr
    carried = torch.load(resumed_run / "checkpoints" / "best.ckpt", weights_only=True, map_location="cpu")
    assert carried["epoch"] == 0
    a = json.loads((uninterrupted / "metrics.json").read_text())
    b = json.loads((resumed_run / "metrics.json").read_text())
    assert a == b
    assert not list(resumed_run.glob(".resume-*"))  # the rewritten checkpoint is removed after use


def test_last_means_this_run_and_another_models_checkpoint_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "outputs"
    short = ["train", "experiment=quickstart", "trainer.max_epochs=1", "logger=none", "export=false",
             "trainer.enable_progress_bar=false", "data.limit_documents=6", f"paths.root_dir={root}"]
    bilstm = run_argmine(*short)
    assert bilstm.returncode == 0, bilstm.stderr[-2000:]
    transformer = run_argmine(*short, "model=transformer")  # same name, newer: not BiLSTM's run
    assert transformer.returncode == 0, transformer.stderr[-2000:]
    bilstm_run, transformer_run = _run_dir(bilstm), _run_dir(transformer)
    for first, extra in [(bilstm_run, []), (transformer_run, ["model=transformer"])]:
        resumed = run_argmine(*short, *extra, "ckpt_path=last", "trainer.max_epochs=2")
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        assert f"resuming {first}" in resumed.stdout + resumed.stderr
        ckpt = torch.load(_run_dir(resumed) / "checkpoints" / "last.ckpt", weights_only=True, map_location="cpu")
        assert ckpt["epoch"] == 1
    # another seed is another run: nothing to resume, and the message says what differs
    other_seed = run_argmine(*short, "seed=99", "ckpt_path=last")
    assert other_seed.returncode != 0 and "Traceback" not in other_seed.stderr
    assert "no earlier run with this config" in other_seed.stderr and "seed" in other_seed.stderr
    # the transformer's checkpoint given to the BiLSTM run: one line naming the file, before loading
    foreign = transformer_run / "checkpoints" / "last.ckpt"
    refused = run_argmine(*short, f"ckpt_path={foreign}")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr, refused.stderr[-2000:]
    [line] = [x for x in refused.stderr.splitlines() if "not a checkpoint of this model" in x]
    assert str(foreign) in line and "TransformerTagger" in line
