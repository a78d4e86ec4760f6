"""The top-level ``argmine`` command: usage, help, and what the docs promise it prints."""

from __future__ import annotations

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
