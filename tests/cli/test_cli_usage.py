"""The top-level ``argmine`` command: usage, help, and what the docs promise it prints."""

from __future__ import annotations

import subprocess
import sys

import pytest

from argmine.cli import main


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("usage: argmine {train,eval,predict")
    assert main(["--help"]) == 0 and capsys.readouterr().out.startswith("usage: argmine")


def test_train_help_names_argmine_not_the_module(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code in (0, None)
    assert out.startswith("argmine train / argmine eval: Hydra overrides") and "powered by Hydra" not in out
    assert "commands" not in out.splitlines()[0]


def test_importing_the_cli_and_its_help_load_neither_torch_nor_lightning() -> None:
    code = ("import contextlib, io, sys\nimport argmine.cli\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        argmine.cli.main(['--help'])\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('torch', 'lightning', 'transformers') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
