"""``argmine sweep wandb --config SWEEP.yaml [--count N] [--project P] [--dry-run] [--local]``.

Validates the sweep definition (see :mod:`argmine.sweeps.wandb_sweep`) against the train config
and prints the W&B sweep spec. Online (a W&B API key is configured) it creates the sweep and runs
``wandb agent`` for ``--count`` runs; offline it stops after validating unless ``--local``, which
runs the agent's command line for one run here with parameters drawn with ``--seed``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence

import yaml

from argmine.config_path import configs_dir
from argmine.errors import ConfigError
from argmine.sweeps import wandb_sweep as ws


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="argmine sweep", description="hyperparameter sweeps")
    sub = parser.add_subparsers(dest="backend", required=True)
    wb = sub.add_parser("wandb", help="a W&B sweep whose agent runs `argmine train` with Hydra overrides")
    wb.add_argument("--config", required=True, help="sweep definition YAML (e.g. configs/sweeps/wandb_bilstm.yaml)")
    wb.add_argument("--count", type=int, default=None, help="runs for this agent (default: until the sweep ends)")
    wb.add_argument("--project", default=None, help="W&B project (default: the definition's, else argmine)")
    wb.add_argument("--entity", default=None, help="W&B entity")
    wb.add_argument("--dry-run", action="store_true", help="validate and print the spec only")
    wb.add_argument("--local", action="store_true", help="run one trial's command line here (no W&B server)")
    wb.add_argument("--seed", type=int, default=0, help="seed for the parameters of the --local trial")
    return parser


def sweep_command(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    definition = ws.load_definition(args.config)
    spec = ws.build_spec(definition, where=args.config)
    ws.check_against_config(definition, configs_dir(), where=args.config)
    project = args.project or spec.get("project") or "argmine"
    print(yaml.safe_dump(spec, sort_keys=False), end="")
    if args.dry_run:
        return 0
    if args.local:
        values = ws.sample_parameters(spec["parameters"], seed=args.seed)
        command = ws.local_command(spec, values, sys.executable)
        print("local trial: " + " ".join(command), flush=True)
        return subprocess.run(command, check=False).returncode
    # deferred: training.loggers imports Lightning; a definition error is printed before it
    from argmine.training.loggers import wandb_mode

    if wandb_mode() != "online":
        print("W&B is offline (no API key): the spec is valid; `--local` runs one trial here", file=sys.stderr)
        return 0
    return _run_online(spec, project, args.entity, args.count)


def _run_online(spec: dict, project: str, entity: str | None, count: int | None) -> int:
    # deferred: only an online sweep imports wandb
    import wandb

    try:
        sweep_id = wandb.sweep(spec, project=project, entity=entity)
    except Exception as exc:  # noqa: BLE001 - the server's message is what the user needs
        raise ConfigError(f"W&B refused the sweep: {exc}") from None
    path = "/".join(p for p in (entity, project, sweep_id) if p)
    print(f"sweep: {path}", flush=True)
    command = [sys.executable, "-m", "wandb", "agent", *(["--count", str(count)] if count else []), path]
    return subprocess.run(command, check=False).returncode
