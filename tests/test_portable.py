"""CPU-portable numerics (``cpu_portable=true``): asked for on the command line, refused when
torch started without the CPU settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from argmine.errors import ConfigError
from argmine.portable import PORTABLE_ENV, check_portable_cpu, wants_portable
from conftest import run_argmine


def test_the_command_line_asks_for_portable_numerics() -> None:
    assert wants_portable(["experiment=quickstart", "cpu_portable=true"])
    assert wants_portable(["+cpu_portable=True"])
    assert not wants_portable(["cpu_portable=false", "name=cpu_portable=true_run"])


@pytest.mark.skipif(os.environ.get("MKL_CBWR") == "COMPATIBLE", reason="this process runs portable numerics")
def test_portable_numerics_after_torch_started_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match="give cpu_portable=true on the argmine command line"):
        check_portable_cpu()


@pytest.mark.slow  # a Python process that imports torch
def test_portable_environment_switches_torch_to_baseline_kernels() -> None:
    code = ("import json, torch; from argmine.training.train import configure_torch; configure_torch(True, True); "
            "print(json.dumps([torch.backends.cpu.get_cpu_capability(), torch.backends.mkldnn.enabled]))")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, **PORTABLE_ENV}, text=True,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == ["DEFAULT", False]


@pytest.mark.slow
def test_cpu_portable_run_from_the_command_line(tmp_path) -> None:
    proc = run_argmine("train", "experiment=quickstart", "cpu_portable=true", "trainer.max_epochs=1", "logger=none",
                       "trainer.enable_progress_bar=false", "data.limit_documents=4", f"paths.root_dir={tmp_path}",
                       env={"OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
