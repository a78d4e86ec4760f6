"""Shared test fixtures."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "disabled")
# one torch thread per xdist worker (and the CLI processes it starts): `-n 2` on 2 cores with
# torch's default of a thread per core oversubscribes them, and OpenMP's spinning threads then
# made CLI tests 2-5x slower (measured: resume + predict + multirun files 408 s -> 191 s)
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


#: the files that take longest (measured in `make test`: about 7, 4, 2.5, 2, 1.5 and 1 minutes), run
#: first, longest first: with `-n 2 --dist loadfile --no-loadscope-reorder` the two longest start
#: at once on their own workers and the next ones follow, so the short files fill the end
#: instead of one long file running alone on one worker while the other has nothing left to do
LONGEST_FIRST = ("tests/e2e/test_reproduction_check.py", "tests/e2e/test_every_experiment.py",
                 "tests/e2e/test_optuna_workers.py", "tests/e2e/test_resume.py",
                 "tests/e2e/test_install_beside_sqlalchemy2.py", "tests/e2e/test_optuna_resume.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Markers applied by what a test uses, so they stay consistent: ``corpora`` on every test
    of ``tests/corpora/`` and every test that asks for the ``shared_corpora`` fixture,
    ``service`` on every test that asks for a ``server`` fixture. The
    longest files go first (:data:`LONGEST_FIRST`)."""
    for item in items:
        if "shared_corpora" in getattr(item, "fixturenames", ()) or "tests/corpora/" in item.nodeid:
            item.add_marker(pytest.mark.corpora)
        if "server" in getattr(item, "fixturenames", ()):  # a loopback HTTP server (tests/corpora/test_download.py)
            item.add_marker(pytest.mark.service)

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order


IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(reason: str) -> None:
    """A thing the test needs is absent: a visible skip, but a failure under ``CI=true`` (as
    ``.ci/run`` runs), where the corpora, the browser and the optional packages are required."""
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def require_module(name: str, reason: str = "") -> Any:
    """``pytest.importorskip`` that fails under ``CI=true`` (see :func:`missing`)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"{name} not installed" + (f" ({reason})" if reason else ""))


def require_dir(path: Path, what: str) -> Path:
    """``path`` if it is a folder, else :func:`missing` naming it."""
    if not path.is_dir():
        missing(f"{what} not found at {path}")
    return path


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    """The folder of real corpora (``$ARGMINE_SHARED_CORPORA``, default ``../shared/corpora``).

    Skips the test visibly when the folder is absent; fails under ``CI=true``.
    """
    path = Path(os.environ.get("ARGMINE_SHARED_CORPORA", REPO_ROOT.parent / "shared" / "corpora"))
    return require_dir(path, "real corpora (set ARGMINE_SHARED_CORPORA)")


def run_argmine(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
                timeout: float = 600, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``argmine`` CLI in a subprocess (as a user would) and return the finished process."""
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": os.environ.get("WANDB_MODE", "disabled"),
                **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "argmine.cli", *args],
        cwd=cwd or REPO_ROOT, env=full_env, text=True, capture_output=True, timeout=timeout, input=input,
    )


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder of a small BiLSTM-CRF trained on the sample corpus (checkpoints, metrics.json,
    exported model/). Shared by the end-to-end tests; about 15 s."""
    root = tmp_path_factory.mktemp("runs")
    proc = run_argmine(
        "train", "experiment=quickstart", "trainer.max_epochs=8", "logger=csv",
        "trainer.enable_progress_bar=false", f"paths.root_dir={root}", "seed=7",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    assert (run_dir / "model" / "weights.safetensors").is_file()
    return run_dir


@pytest.fixture
def sample_structure_dm():
    """Factory: the first 3 sample documents with structure tags, train = val = test (for
    models that must overfit them), corpus prepared, no featurizer attached yet."""

    def make():
        from argmine.data import ArgumentDataModule

        dm = ArgumentDataModule("sample", unit="document", target="structure", batch_size=3, limit_documents=3,
                                splits={"train": "train", "val": "train", "test": "train"})  # fmt: skip
        dm.prepare_corpus()
        return dm

    return make


@pytest.fixture
def overfit_trainer():
    """Factory: a quiet CPU Lightning trainer for ``max_epochs`` that never validates."""

    def make(max_epochs: int):
        import lightning.pytorch as pl

        return pl.Trainer(max_epochs=max_epochs, logger=False, enable_checkpointing=False,
                          enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                          check_val_every_n_epoch=1000)  # fmt: skip

    return make


# a tiny exported model for prediction tests that need one but not its quality
TINY_BERT = {"model_type": "bert", "vocab_size": 30522, "hidden_size": 8, "num_hidden_layers": 1,
             "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 64}


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained one-layer BERT tagger on MiniLM's tokenizer, exported as ``argmine train``
    exports a model (``<folder>/argmine.json`` + weights): loads in about a second, predicts
    whatever its random weights say."""
    from argmine.encoding.features import SubwordFeaturizer
    from argmine.encoding.tags import TagVocab
    from argmine.models.export import export_model
    from argmine.models.module import TaggerModule
    from argmine.models.transformer_tagger import TransformerTagger

    vocab = TagVocab(["claim"], "BIO")
    featurizer = SubwordFeaturizer("minilm", max_length=32, stride=4)
    net = TransformerTagger.from_config(dict(TINY_BERT), len(vocab), head="softmax")
    module = TaggerModule(net, None, featurizer, vocab, net_kwargs={})
    module.net_kwargs = {"num_tags": len(vocab), "model_name_or_path": "minilm", "head": "softmax",
                         "pretrained": False}
    folder = tmp_path_factory.mktemp("tiny") / "model"
    export_model(module, folder, extra={"corpus": "sample", "schema": "unified", "unit": "paragraph"})
    return folder
