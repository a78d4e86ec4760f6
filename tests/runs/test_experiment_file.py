"""``experiment=PATH.yaml``: an experiment file outside ``configs/experiment`` made findable by Hydra."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest

from argmine.config_path import configs_dir
from argmine.errors import ConfigError
from argmine.runs.experiment_file import resolve_experiment_file


def test_a_file_is_copied_into_a_search_path_folder_for_the_command(tmp_path: Path) -> None:
    mine = tmp_path / "my_run.yaml"
    mine.write_text("# @package _global_\nseed: 5\n")
    with ExitStack() as stack:
        argv = resolve_experiment_file(["experiment=" + str(mine), "seed=3"], stack, configs_dir())
        assert argv[0] == "experiment=my_run" and argv[2] == "seed=3"
        folder = Path(argv[1].removeprefix("hydra.searchpath=[file://").removesuffix("]"))
        assert (folder / "experiment" / "my_run.yaml").read_text() == mine.read_text()
    assert not folder.exists()  # removed when the command ends


def test_a_file_named_like_a_bundled_experiment_does_not_shadow_it(tmp_path: Path) -> None:
    mine = tmp_path / "quickstart.yaml"
    mine.write_text("# @package _global_\n")
    with ExitStack() as stack:
        argv = resolve_experiment_file([f"experiment={mine}"], stack, configs_dir())
    assert argv[0] == "experiment=quickstart_file"


def test_names_pass_unchanged_and_a_missing_file_is_one_error(tmp_path: Path) -> None:
    with ExitStack() as stack:
        assert resolve_experiment_file(["experiment=quickstart", "model=transformer"], stack, configs_dir()) == [
            "experiment=quickstart", "model=transformer"]
        with pytest.raises(ConfigError, match=r"experiment=.*nope\.yaml: no such experiment file"):
            resolve_experiment_file([f"experiment={tmp_path / 'nope.yaml'}"], stack, configs_dir())
