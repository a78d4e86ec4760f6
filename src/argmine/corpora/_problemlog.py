"""Collects reader problems under the strict/lenient error policy (see docs/internals.md)."""

from __future__ import annotations

from pathlib import Path

from argmine.errors import CorpusFormatError, Problem


class ProblemLog:
    """``error`` raises at once when ``strict``; otherwise problems are kept until :meth:`finish`.

    ``warning`` records a known upstream quirk; warnings never raise.
    """

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.problems: list[Problem] = []

    def error(self, path: str | Path, line: int | None, message: str) -> None:
        problem = Problem(str(path), line, message)
        if self.strict:
            raise CorpusFormatError(problems=[problem])
        self.problems.append(problem)

    def warning(self, path: str | Path, line: int | None, message: str) -> None:
        self.problems.append(Problem(str(path), line, message, severity="warning"))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def finish(self) -> list[Problem]:
        """Raise one :class:`CorpusFormatError` with every problem if any error was found."""
        if self.has_errors:
            raise CorpusFormatError(problems=self.problems)
        return self.problems
