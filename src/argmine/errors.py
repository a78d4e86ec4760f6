"""Exceptions raised by argmine, each carrying a message that names what went wrong and where.

Every user-facing failure is one of these; the CLI prints ``str(error)`` as one line and exits
non-zero instead of showing a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class ArgmineError(Exception):
    """Base class of every error argmine reports to users."""


class DocumentError(ArgmineError, ValueError):
    """A document violates an invariant (offsets out of range, missing relation endpoint...)."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a corpus file: where it is and what is wrong."""

    path: str
    line: int | None
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.severity}: {self.message}"


class CorpusFormatError(ArgmineError):
    """Malformed corpus input. Names the file, the line (when known) and the problem.

    In ``strict=False`` mode readers collect every problem and raise one ``CorpusFormatError``
    holding all of them in ``problems``.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        line: int | None = None,
        message: str = "",
        problems: list[Problem] | None = None,
    ) -> None:
        if problems is None:
            problems = [Problem(str(path), line, message)]
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        if len(errors) == 1:
            text = str(errors[0])
        else:
            text = f"{len(errors)} problems found:\n" + "\n".join(f"  {p}" for p in errors)
        super().__init__(text)


class CorpusNotFoundError(ArgmineError, FileNotFoundError):
    """A corpus folder is missing. The message says where we looked and how to get the corpus."""


class ConfigError(ArgmineError):
    """A configuration key is unknown, missing or of the wrong type."""


class CheckpointError(ArgmineError):
    """A checkpoint or exported model is missing or unreadable."""
