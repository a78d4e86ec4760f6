"""Progress of ``argmine predict`` on stderr: documents done, documents/s, tokens/s and the time
left (when the number of documents is known before reading).

On a terminal a Rich progress bar shows the figures and messages print above it; otherwise a
plain line with the same figures is printed every ``every`` seconds (none for a run shorter
than that; ``every=0``: never), and messages are plain lines.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Meter:
    """Counts documents (predicted or skipped) and whitespace tokens of the predicted texts.

    Args:
        total: how many documents the run reads in all, when known (text inputs), else None.
        done: documents done before this run started (a resumed run); rates count this run only.
        every: seconds between plain progress lines when stderr is not a terminal; 0: none.
        console: a Rich console (default: stderr's).
        clock: the time source (tests).
    """

    def __init__(self, total: int | None, done: int = 0, every: float = 30.0, console: Any = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.done = done
        self.every = every
        self.clock = clock
        self.items = 0  # documents done in this run
        self.tokens = 0
        self.start = clock()
        self.last_line = self.start
        if console is None:
            # deferred: rich is loaded only once predicting starts
            from rich.console import Console

            console = Console(stderr=True)
        self.console = console
        self.bar: Any = None
        self.task: Any = None
        if console.is_terminal and (total is None or total >= 2):
            from rich.progress import BarColumn, Progress, TextColumn

            columns = [TextColumn("{task.description}"), *([BarColumn()] if total else []),
                       TextColumn("{task.fields[figures]}")]
            self.bar = Progress(*columns, console=console, transient=True)

    def __enter__(self) -> Meter:
        if self.bar is not None:
            self.bar.start()
            self.task = self.bar.add_task("predicting", total=self.total, completed=self.done,
                                          figures=self.figures())
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.bar is not None:
            self.bar.stop()

    def figures(self) -> str:
        """``1,200/3,000 documents (40%), 35.2 documents/s, 2,345 tokens/s, ETA 0:00:51``."""
        elapsed = max(self.clock() - self.start, 1e-9)
        count = self.done + self.items
        rate = self.items / elapsed
        if self.total:
            text = f"{count:,}/{self.total:,} documents ({100 * count / self.total:.0f}%)"
        else:
            text = f"{count:,} documents"
        text += f", {rate:,.1f} documents/s, {self.tokens / elapsed:,.0f} tokens/s"
        if self.total and self.items:
            text += f", ETA {_duration(max(self.total - count, 0) / rate)}"
        return text

    def advance(self, tokens: int = 0) -> None:
        """One document done (``tokens``: its whitespace tokens when it was predicted)."""
        self.items += 1
        self.tokens += tokens
        now = self.clock()
        if self.bar is not None:  # the bar redraws itself 10 times a second
            self.bar.update(self.task, completed=self.done + self.items, figures=self.figures())
        elif self.every > 0 and now - self.last_line >= self.every:
            self.last_line = now
            print(f"argmine predict: {self.figures()}", file=sys.stderr, flush=True)

    def note(self, line: str) -> None:
        """A message: above the bar on a terminal, else a plain line on stderr."""
        if self.bar is not None:
            self.bar.console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            print(line, file=sys.stderr, flush=True)
