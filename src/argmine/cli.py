"""The ``argmine`` command: a thin dispatcher over the subcommands.

Each subcommand lives in its own module and is imported only when used, so ``argmine --help``
and ``argmine data ...`` answer without importing torch or lightning. Errors derived from
:class:`argmine.errors.ArgmineError` are printed as one line and exit with status 1.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

COMMANDS: dict[str, tuple[str, str]] = {
    "train": ("argmine.runs.commands:train_command", "train a model (Hydra overrides, -m for multirun)"),
    "eval": ("argmine.runs.commands:eval_command", "evaluate a checkpoint: argmine eval ckpt_path=PATH"),
    "predict": ("argmine.predict.commands:predict_command", "annotate raw text with a trained model"),
    "data": ("argmine.corpora.commands:data_command", "corpus statistics, validation and download"),
    "sweep": ("argmine.sweeps.commands:sweep_command", "hyperparameter sweeps (W&B)"),
    "reproduce": ("argmine.reproduce.commands:reproduce_command", "reproduce a published result"),
    "serve": ("argmine.predict.server:serve_command", "serve a model over HTTP on 127.0.0.1"),
}

USAGE = "usage: argmine {" + ",".join(COMMANDS) + "} [args...]\n\n" + "\n".join(
    f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()
)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:  # a command is required: usage on stderr, status 2 (as argparse does)
        print(USAGE, file=sys.stderr)
        return 2
    if args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    if args[0] in {"--version", "-V"}:
        # deferred: only --version needs it
        from argmine import __version__

        print(f"argmine {__version__}")
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"argmine: unknown command {name!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    target, _ = COMMANDS[name]
    module_name, func_name = target.split(":")
    # deferred: only a command needs it; `argmine --help` imports nothing beyond this module
    from argmine.portable import set_portable_env, wants_portable

    if wants_portable(rest):  # CPU settings that torch reads only when it starts
        set_portable_env()
    # deferred: as above, only a command's errors are caught
    from argmine.errors import ArgmineError

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("argmine"):
            print(f"argmine: command {name!r} is not available in this version", file=sys.stderr)
            return 2
        raise
    try:
        return int(getattr(module, func_name)(rest) or 0)
    except ArgmineError as exc:
        print(f"argmine {name}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"argmine {name}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
