"""Print the sbatch script that ``hydra/launcher=slurm`` submits for one sweep trial, without SLURM.

    python scripts/show_slurm_submission.py [hydra.launcher.partition=gpu ...]

The launcher settings come from ``configs/hydra/launcher/slurm.yaml`` (and the overrides given);
the script is the one submitit writes (its ``_make_sbatch_string``, a private helper of the
submitit version installed, used here only to show the text).
"""

from __future__ import annotations

import sys

from hydra import compose, initialize_config_dir
from submitit.slurm.slurm import _make_sbatch_string

from argmine.config_path import configs_dir


def main(overrides: list[str]) -> None:
    with initialize_config_dir(config_dir=str(configs_dir()), version_base="1.3"):
        cfg = compose("train", overrides=["hydra/launcher=slurm", *overrides], return_hydra_config=True)
    launcher = cfg.hydra.launcher
    print(_make_sbatch_string(
        command=f"{sys.executable} -u -m submitit.core._submit /path/to/<sweep>/.submitit/%j",
        folder="/path/to/<sweep>/.submitit/%j", job_name="argmine-trial", partition=launcher.partition,
        time=launcher.timeout_min, nodes=launcher.nodes, ntasks_per_node=launcher.tasks_per_node,
        cpus_per_task=launcher.cpus_per_task, gpus_per_node=launcher.gpus_per_node,
        mem=f"{launcher.mem_gb}GB", signal_delay_s=launcher.signal_delay_s,
    ))


if __name__ == "__main__":
    main(sys.argv[1:])
