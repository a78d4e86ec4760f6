"""Every wrong override: one line on stderr naming the key, exit status 1, no traceback, no run
folder. In this process (``argmine.cli.main``), so the suite does not pay a start-up per case."""

from __future__ import annotations

from pathlib import Path

import pytest

from argmine.cli import main

pytestmark = pytest.mark.slow  # about 2 s a case (Hydra composes the experiment each time)

CASES = [
    # types
    ("seed=abc", "seed: expected int"),
    ("deterministic=maybe", "deterministic: expected bool"),
    ("train=perhaps", "train: expected bool"),
    ("export=3", "export: expected bool"),
    ("eval_checkpoint=middle", "eval_checkpoint: expected Literal"),
    ("trainer.max_epochs=many", "trainer.max_epochs: expected int | None, got 'many'"),
    ("model.optimizer.lr=fast", "model.optimizer.lr: expected float | torch.Tensor, got 'fast'"),
    ("data.batch_size=four", "data.batch_size: expected int"),
    ("model.net.use_crf=sometimes", "model.net.use_crf: expected bool"),
    # ranges
    ("data.batch_size=-3", "data.batch_size: must be >= 1, got -3"),
    ("data.batch_size=0", "data.batch_size: must be >= 1, got 0"),
    ("data.eval_batch_size=0", "data.eval_batch_size: must be >= 1"),
    ("model.optimizer.lr=0", "model.optimizer.lr: must be > 0"),
    ("model.optimizer.lr=-0.1", "model.optimizer.lr: must be > 0"),
    ("model.net.dropout=1.5", "model.net.dropout: must be in [0, 1)"),
    ("model.net.hidden_size=0", "model.net.hidden_size: must be >= 1"),
    ("trainer.max_epochs=0", "trainer.max_epochs: must be >= 1"),
    ("callbacks.early_stopping.patience=-1", "callbacks.early_stopping.patience: must be >= 0"),
    # a callback's setting one level too high
    ("+callbacks.patience=3", "callbacks.patience: expected a callback config (with _target_) or null, got 3"),
    # misspelled keys: the nearest key, never Hydra's advice to add one with +
    ("trainer.max_epoch=1", "trainer.max_epoch: no such key; did you mean trainer.max_epochs?"),
    ("+trainer.max_epoch=1", "trainer.max_epoch: not a parameter of lightning.pytorch.Trainer (did you mean 'max_epochs'?)"),
    ("data.batch_sise=4", "data.batch_sise: no such key; did you mean data.batch_size?"),
    ("model.net.hiden_size=3", "model.net.hiden_size: no such key; did you mean model.net.hidden_size?"),
    ("seeed=3", "seeed: no such key; did you mean seed?"),
    # unknown group options
    ("data=aae2_paragrap", "data=aae2_paragrap: no such data config; did you mean data=aae2_paragraph?"),
    ("experiment=quickstat", "experiment=quickstat: no such experiment config; did you mean experiment=quickstart?"),
    ("logger=wandbb", "logger=wandbb: no such logger config; did you mean logger=wandb?"),
    ("trainer=gpuu", "trainer=gpuu: no such trainer config; did you mean trainer=gpu?"),
    ("meta.name=???", "meta.name: mandatory value missing"),  # an experiment that forgets its name
    # metric names: checked against what the configured model logs, before any logger starts
    ("optimized_metric=val/c_f1_exat", "optimized_metric=val/c_f1_exat: not a metric this run logs; "
                                       "did you mean val/c_f1_exact?"),
    ("callbacks.model_checkpoint.monitor=val/c_f1_exat", "callbacks.model_checkpoint.monitor=val/c_f1_exat: "
                                                         "not a metric this run logs; did you mean val/c_f1_exact?"),
    ("callbacks.early_stopping.monitor=val/r_f1_exact", "callbacks.early_stopping.monitor=val/r_f1_exact: "
                                                        "not a metric this run logs"),  # components only: no R-F1
]

# the same, where an Optuna sweep would otherwise train every trial before failing
SWEEP_CASES = [
    ("optimized_metric=val/c_f1_exat", "optimized_metric=val/c_f1_exat: not a metric this run logs; "
                                       "did you mean val/c_f1_exact?"),
]


def _argmine(capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capfd.readouterr().err


@pytest.mark.parametrize(("override", "message"), CASES, ids=[c[0] for c in CASES])
def test_a_wrong_override_is_one_line_naming_the_key(override: str, message: str, tmp_path: Path,
                                                     capfd: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "disabled")
    code, err = _argmine(capfd, "train", "experiment=quickstart", "logger=none", f"paths.root_dir={tmp_path}", override)
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err[-3000:]
    assert message in lines[0], lines[0]
    assert not [p for p in tmp_path.rglob("*") if p.is_file()], "a refused start left files behind"


@pytest.mark.parametrize(("override", "message"), SWEEP_CASES, ids=[c[0] for c in SWEEP_CASES])
def test_a_wrong_objective_stops_an_optuna_sweep_before_its_study(override: str, message: str, tmp_path: Path,
                                                                  capfd: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "disabled")
    code, err = _argmine(capfd, "train", "-m", "hparams_search=bilstm_crf_optuna", "experiment=quickstart",
                         "logger=none", f"paths.root_dir={tmp_path}", override)
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err[-3000:]
    assert message in lines[0], lines[0]
    assert not [p for p in tmp_path.rglob("*") if p.is_file()], "the study or a run was started"


def test_argmine_eval_checks_its_config_first(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, err = _argmine(capfd, "eval", f"ckpt_path={tmp_path / 'model.ckpt'}", "data=sample", "data.batch_size=-3",
                         f"paths.root_dir={tmp_path}")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1 and "data.batch_size: must be >= 1, got -3" in lines[0], err
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


# the pair model (gold components) logs type/link/stance scores, not C-F1: checked all the same
PAIR_CASES = [
    ("optimized_metric=val/type_macro_f", "optimized_metric=val/type_macro_f: not a metric this run logs; "
                                          "did you mean val/type_macro_f1?"),
    ("callbacks.model_checkpoint.monitor=val/c_f1_exact", "callbacks.model_checkpoint.monitor=val/c_f1_exact: "
                                                          "not a metric this run logs"),
]


@pytest.mark.parametrize(("override", "message"), PAIR_CASES, ids=[c[0] for c in PAIR_CASES])
def test_a_pair_model_checks_its_metric_names(override: str, message: str, tmp_path: Path, shared_corpora: Path,
                                              capfd: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARGMINE_DATA_DIR", str(shared_corpora))
    code, err = _argmine(capfd, "train", "experiment=stab2017_gold_components", "logger=none",
                         "data.limit_documents=6", f"paths.root_dir={tmp_path}", override)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1 and "Traceback" not in err, err[-3000:]
    assert message in lines[0], lines[0]
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
