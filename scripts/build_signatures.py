"""Write src/argmine/resources/signatures.json: the constructor signatures of every ``_target_``
in configs/, so that `argmine train|eval` check a config without importing torch.

Usage: python scripts/build_signatures.py [--check]
--check exits 1 (naming the difference) when the file is out of date with the configs, the code
or the installed packages; the test suite runs it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from argmine.training import signatures  # noqa: E402


def config_targets() -> list[str]:
    targets = set()
    for path in (REPO / "configs").rglob("*.yaml"):
        targets.update(re.findall(r"_target_:\s*([\w.]+)", path.read_text(encoding="utf-8")))
    return sorted(targets)


def build() -> dict:
    table = {}
    for target in config_targets():
        fn = signatures.resolve(target)
        if fn is None:
            raise SystemExit(f"error: cannot import {target} (named in configs/)")
        table[target] = signatures.read_entry(fn)
    return {"versions": signatures.installed_versions(), "targets": table}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = json.dumps(build(), indent=1, sort_keys=True) + "\n"
    if args.check:
        current = signatures.TABLE.read_text(encoding="utf-8") if signatures.TABLE.is_file() else ""
        if current != text:
            print(f"{signatures.TABLE} is out of date; run python scripts/build_signatures.py", file=sys.stderr)
            return 1
        return 0
    signatures.TABLE.write_text(text, encoding="utf-8")
    print(signatures.TABLE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
