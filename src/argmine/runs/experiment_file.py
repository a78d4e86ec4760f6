"""``experiment=PATH.yaml``: an experiment config given as a file anywhere (a sweep's
``best.yaml``, say), not only by its name in ``configs/experiment/``.

Hydra finds group options only in its search path, so the file is copied into a temporary
``experiment/`` folder that is added to the search path (``hydra.searchpath``) for this command;
the override becomes ``experiment=<file stem>``. The copy is removed when the command ends.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from argmine.errors import ConfigError


def resolve_experiment_file(argv: Sequence[str], stack: ExitStack, configs: Path) -> list[str]:
    """``argv`` with an ``experiment=<path to a .yaml file>`` override made findable by Hydra
    (``configs``: the config folder, whose own experiments come first in the search path: a
    file named like one of them is found as ``<stem>_file``)."""
    out: list[str] = []
    for arg in argv:
        key, sep, value = arg.partition("=")
        if not sep or key.lstrip("+~") != "experiment" or not value.endswith((".yaml", ".yml")):
            out.append(arg)
            continue
        path = Path(value).expanduser()
        if not path.is_file():
            raise ConfigError(f"{arg}: no such experiment file")
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="argmine-experiment-")))
        (folder / "experiment").mkdir()
        name = path.stem if not (configs / "experiment" / f"{path.stem}.yaml").exists() else f"{path.stem}_file"
        shutil.copyfile(path, folder / "experiment" / f"{name}.yaml")
        out += [f"{key}={name}", f"hydra.searchpath=[file://{folder}]"]
    return out
