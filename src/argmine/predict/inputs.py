"""Input texts for ``argmine predict``: files, folders of ``.txt`` files, or ``-`` for stdin.

Texts are decoded from bytes exactly (no newline translation): ``\\r\\n`` stays in the text, so
predicted offsets refer to the text as read. With the default ``utf-8`` a leading byte-order
mark is removed (``utf-8-sig``). A file that cannot be decoded or looks binary (contains NUL
bytes) gives an :class:`InputError` naming the file and the fix.
"""

from __future__ import annotations

import codecs
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from argmine.errors import ArgmineError

MAX_INPUT_BYTES = 5_000_000
STDIN = "-"


class InputError(ArgmineError):
    """An input file is missing, unreadable, binary or not in the expected encoding."""


@dataclass(frozen=True)
class Source:
    """One input: a file path or stdin, and the document id its output is written under."""

    path: Path | None  # None: stdin
    doc_id: str

    @property
    def name(self) -> str:
        return "<stdin>" if self.path is None else str(self.path)


def check_encoding(encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r} (try utf-8, latin-1, cp1252)") from None
    return encoding


_UNSAFE_ID = re.compile(r"[^\w.-]+")


def collect_sources(inputs: list[str]) -> list[Source]:
    """Expand inputs into sources; folders give their ``.txt`` files (recursively, sorted).

    Document ids are the file names without ``.txt``, made safe for file names and unique
    (``name``, ``name-2``, ...). A missing path or a folder without ``.txt`` files raises.
    """
    paths: list[Path | None] = []
    for item in inputs:
        if item == STDIN:
            paths.append(None)
            continue
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.txt") if p.is_file())
            if not found:
                raise InputError(f"{path}: folder contains no .txt files")
            paths.extend(found)
        elif path.exists():
            paths.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    if paths.count(None) > 1:
        raise InputError("'-' (stdin) can be given only once")
    used: set[str] = set()
    sources = []
    for path in paths:
        base = "stdin" if path is None else (_UNSAFE_ID.sub("_", path.stem).strip("._") or "doc")
        doc_id, n = base, 1
        while doc_id in used:
            n += 1
            doc_id = f"{base}-{n}"
        used.add(doc_id)
        sources.append(Source(path, doc_id))
    return sources


def decode(data: bytes, name: str, encoding: str = "utf-8") -> str:
    """Decode ``data`` exactly; errors name the file, the byte offset and ``--encoding``."""
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{name}: {len(data):,} bytes, more than the limit of {MAX_INPUT_BYTES:,}; split the file")
    if b"\x00" in data and not encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32")):
        raise InputError(f"{name}: contains NUL bytes: a binary file, or text in UTF-16 (pass --encoding utf-16)")
    codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: not valid {encoding} (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
            "pass the file's encoding, e.g. --encoding latin-1 or --encoding cp1252"
        ) from None


def read_source(source: Source, encoding: str = "utf-8") -> str:
    """The text of one source (stdin is read as bytes and decoded like a file)."""
    if source.path is None:
        return decode(sys.stdin.buffer.read(), source.name, encoding)
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        raise InputError(f"{source.name}: cannot read: {exc.strerror or exc}") from None
    return decode(data, source.name, encoding)


def read_all(sources: list[Source], encoding: str) -> Iterator[tuple[Source, str | InputError]]:
    """Each source with its text, or the :class:`InputError` that reading it raised."""
    for source in sources:
        try:
            yield source, read_source(source, encoding)
        except InputError as exc:
            yield source, exc
