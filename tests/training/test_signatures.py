"""The stored constructor signatures that let `argmine train|eval` check a config before torch
is imported: fresh, described faithfully, ignored when the installed packages differ."""

from __future__ import annotations

import json
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from argmine.training import signatures

REPO = Path(__file__).resolve().parents[2]


def test_the_stored_table_is_up_to_date_with_configs_code_and_packages() -> None:
    recorded = json.loads(signatures.TABLE.read_text(encoding="utf-8"))["versions"]
    if recorded != signatures.installed_versions():
        # other package versions than the table was read from (a newer release installed): the
        # table is not used, every target is read by importing it
        signatures.stored.cache_clear()
        assert signatures.stored() == {}
        return
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "build_signatures.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(("hint", "description"), [
    (int, "int"),
    (typing.Optional[float], {"union": ["float", "none"]}),  # noqa: UP045 - the typing form on purpose
    (str | None, {"union": ["str", "none"]}),
    (typing.Literal["best", "last"], {"literal": ["best", "last"]}),
    (list[int], "list"),
    (dict[str, int], "dict"),
    (typing.Any, "any"),
    (Path, {"class": "pathlib.Path", "text": True}),
    (complex, {"class": "builtins.complex", "text": False}),
])
def test_hints_are_described_as_json(hint: object, description: object) -> None:
    assert signatures.describe(hint) == description


def test_a_table_from_other_package_versions_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signatures, "installed_versions", lambda: {"torch": "0.0"})
    signatures.stored.cache_clear()
    try:
        assert signatures.stored() == {}
        assert "max_epochs" in signatures.entry("lightning.pytorch.Trainer")["params"]  # read by importing it
    finally:
        monkeypatch.undo()
        signatures.stored.cache_clear()


@pytest.mark.parametrize(("override", "message"), [
    ("seed=abc", "seed: expected int, got 'abc'"),
    ("optimized_metric=val/c_f1_exat", "optimized_metric=val/c_f1_exat: not a metric this run logs; "
                                       "did you mean val/c_f1_exact?"),
])
def test_a_config_error_is_reported_without_importing_torch(override: str, message: str, tmp_path: Path) -> None:
    code = ("import sys\nfrom argmine.cli import main\n"
            f"try:\n    main(['train', '{override}', 'logger=none', 'paths.root_dir={tmp_path}'])\n"
            "except SystemExit as exc:\n    print('exit', exc.code)\n"
            "print('heavy', sorted(m for m in ('torch', 'lightning', 'transformers') if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled",
                               **{k: v for k, v in __import__("os").environ.items() if k == "PYTHONPATH"}})
    assert message in proc.stderr
    assert "exit 1" in proc.stdout and "heavy []" in proc.stdout, proc.stdout + proc.stderr
