"""Inputs of ``argmine predict``, read as a stream of documents.

- Text: ``.txt`` files (also ``.txt.gz`` / ``.txt.zst``), folders (every ``.txt`` inside,
  recursively, sorted) and ``-`` for stdin: one document each, its id the file name without
  ``.txt``, made safe for file names and unique (``name``, ``name-2``, ...).
- Data sets: JSON lines (``.jsonl``, ``.ndjson``), ``.csv`` and ``.tsv`` (each also ``.gz`` /
  ``.zst``), ``.parquet``, ``.arrow`` and Hugging Face ``save_to_disk`` folders: one document
  per record, its text from ``text_field`` and its id from ``id_field``, or ``<file>:<n>``
  (``n`` the line the record starts on, or its row counted from 1 in Parquet / Arrow).

The format comes from the extension; an unknown one raises :class:`InputError` before anything
is read. A problem with one input or record (a missing file, undecodable text, no text field, a
duplicate id, ...) becomes a :class:`Skipped` (where, reason) and reading goes on with the rest.

Texts are decoded from bytes exactly (no newline translation): ``\\r\\n`` stays in the text, so
predicted offsets refer to the text as read. With the default ``utf-8`` a leading byte-order
mark is removed (``utf-8-sig``).
"""

from __future__ import annotations

import codecs
import importlib.util
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argmine.errors import ArgmineError
from argmine.predict.records import (
    Row,
    Unreadable,
    arrow_files,
    arrow_rows,
    ascii_compatible,
    compression,
    delimited_rows,
    jsonl_rows,
    kind_of,
    parquet_rows,
    read_limited,
)

MAX_INPUT_BYTES = 5_000_000
STDIN = "-"
SUFFIXES = {".txt": "txt", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv",
            ".parquet": "parquet", ".arrow": "arrow"}
#: formats read line by line, which may be compressed
LINE_FORMATS = ("txt", "jsonl", "csv", "tsv")
#: ``dataset``: a ``save_to_disk`` folder (or one split of a saved ``DatasetDict``)
RECORD_FORMATS = ("jsonl", "csv", "tsv", "parquet", "arrow", "dataset")


class InputError(ArgmineError):
    """An input is given wrongly (unknown format, stdin twice, an encoding it cannot be read in),
    or (from :func:`decode`) missing, unreadable, binary or not in the expected encoding."""


@dataclass(frozen=True)
class Source:
    """One input: a file or folder, or stdin, and its format. ``doc_id`` is the document id of
    a text input, the prefix of the generated ids (``<doc_id>:<n>``) of a data set."""

    path: Path | None  # None: stdin
    doc_id: str
    fmt: str = "txt"

    @property
    def name(self) -> str:
        return "<stdin>" if self.path is None else str(self.path)


@dataclass(frozen=True)
class Record:
    """One document to predict, and where it was read (``file``, or ``file:n`` in a data set)."""

    doc_id: str
    text: str
    where: str


@dataclass(frozen=True)
class Skipped:
    """An input or record that was not predicted: where (``file`` or ``file:n``) and why."""

    where: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True)
class ReadOptions:
    encoding: str = "utf-8"
    text_field: str = "text"
    id_field: str | None = None  # None: ids are <file>:<n>

    def __post_init__(self) -> None:
        check_encoding(self.encoding)
        if not self.text_field:
            raise InputError("--text-field must not be empty")
        if self.id_field == "":
            raise InputError("--id-field must not be empty")


def check_encoding(encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r} (try utf-8, latin-1, cp1252)") from None
    return encoding


_UNSAFE_ID = re.compile(r"[^\w.-]+")


def input_format(path: Path) -> str:
    """The format of a file from its name; a name without extension is a text file."""
    kind = compression(path)
    inner = Path(path.name[: path.name.rfind(".")]) if kind else path
    suffix = inner.suffix.lower()
    if not suffix and kind is None:
        return "txt"  # e.g. /dev/fd/63 from <(...) or a file named README
    fmt = SUFFIXES.get(suffix)
    if fmt is None:
        known = ", ".join(SUFFIXES)
        raise InputError(f"{path}: unknown input format {(suffix or path.suffix)!r}; give {known} "
                         "(.txt, .jsonl, .csv, .tsv also compressed: .gz, .zst), a folder, or - for stdin")
    if kind and fmt not in LINE_FORMATS:
        raise InputError(f"{path}: a {fmt} file cannot be read compressed with .{kind}; decompress it")
    return fmt


def _folder_sources(path: Path) -> list[tuple[Path, str, str]] | Skipped:
    """``(path, format, id base)`` of a folder's inputs: a saved data set (its splits) or the
    ``.txt`` files inside (recursively, sorted)."""
    if (path / "dataset_dict.json").is_file():
        try:
            splits = json.loads((path / "dataset_dict.json").read_text(encoding="utf-8"))["splits"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return Skipped(str(path), f"unreadable dataset_dict.json ({exc})")
        return [(path / split, "dataset", f"{path.name}/{split}") for split in splits]
    if (path / "state.json").is_file() or (path / "dataset_info.json").is_file():
        return [(path, "dataset", path.name)]
    found = sorted(p for p in path.rglob("*.txt") if p.is_file())
    if not found:
        return Skipped(str(path), "folder contains no .txt files")
    return [(p, "txt", _text_id(p)) for p in found]


def _text_id(path: Path) -> str:
    name = path.name[: path.name.rfind(".")] if compression(path) else path.name
    stem = name[:-4] if name.lower().endswith(".txt") else name
    return _UNSAFE_ID.sub("_", stem).strip("._") or "doc"


def collect_sources(inputs: list[str], encoding: str = "utf-8") -> list[Source | Skipped]:
    """Expand inputs into sources, in order; a missing path or an empty folder is a
    :class:`Skipped` in its place. An unknown format, ``-`` twice, a data set in an encoding
    that is not ASCII-compatible or a missing package raises :class:`InputError`."""
    found: list[tuple[Path | None, str, str] | Skipped] = []
    for item in inputs:
        if item == STDIN:
            found.append((None, "txt", "stdin"))
            continue
        path = Path(item)
        if path.is_dir():
            inside = _folder_sources(path)
            if isinstance(inside, Skipped):
                found.append(inside)
            else:
                found.extend(inside)
            continue
        fmt = input_format(path)
        if not path.exists():
            found.append(Skipped(str(path), "no such file or folder"))
            continue
        found.append((path, fmt, _text_id(path) if fmt == "txt" else path.name))
    if sum(1 for f in found if not isinstance(f, Skipped) and f[0] is None) > 1:
        raise InputError("'-' (stdin) can be given only once")
    _check_readable(found, encoding)
    used: set[str] = set()
    sources: list[Source | Skipped] = []
    for entry in found:
        if isinstance(entry, Skipped):
            sources.append(entry)
            continue
        path, fmt, base = entry
        sources.append(Source(path, _unique(base, used), fmt))
    return sources


def _unique(base: str, used: set[str]) -> str:
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}-{n}"
    used.add(name)
    return name


def _check_readable(found: list[tuple[Path | None, str, str] | Skipped], encoding: str) -> None:
    for entry in found:
        if isinstance(entry, Skipped) or entry[0] is None:
            continue
        path, fmt, _ = entry
        if fmt in ("jsonl", "csv", "tsv") and not ascii_compatible(encoding):
            raise InputError(f"{path}: {fmt} inputs are split into lines before decoding, which "
                             f"{encoding} does not allow; convert the file to utf-8")
        needs = "pyarrow" if fmt in ("parquet", "arrow", "dataset") else (
            "zstandard" if compression(path) == "zst" else None)
        if needs and importlib.util.find_spec(needs) is None:
            raise InputError(f"{path}: reading it needs the {needs} package (pip install {needs})")


def _decode(data: bytes, encoding: str) -> str:
    """``data`` decoded exactly; InputError with the reason (not the file name)."""
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{len(data):,} bytes, more than the limit of {MAX_INPUT_BYTES:,}; split the file")
    if b"\x00" in data and not encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32")):
        raise InputError("contains NUL bytes: a binary file, or text in UTF-16 (pass --encoding utf-16)")
    codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not valid {encoding} (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
            "pass the file's encoding, e.g. --encoding latin-1 or --encoding cp1252"
        ) from None


def decode(data: bytes, name: str, encoding: str = "utf-8") -> str:
    """Decode ``data`` exactly; errors name the file, the byte offset and ``--encoding``."""
    try:
        return _decode(data, encoding)
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None


def _read_text(source: Source, encoding: str) -> Record | Skipped:
    """The one document of a text input (a file is never read past the size limit)."""
    path = source.path
    try:
        if path is None:
            data = sys.stdin.buffer.read()
        elif compression(path) is None:
            if path.stat().st_size > MAX_INPUT_BYTES:
                return Skipped(source.name, f"{path.stat().st_size:,} bytes, more than the limit of "
                                            f"{MAX_INPUT_BYTES:,}; split the file")
            data = path.read_bytes()
        else:
            data = read_limited(path, MAX_INPUT_BYTES)
            if len(data) > MAX_INPUT_BYTES:
                return Skipped(source.name, f"more than {MAX_INPUT_BYTES:,} bytes uncompressed, "
                                            "the limit; split the file")
        return Record(source.doc_id, _decode(data, encoding), source.name)
    except OSError as exc:
        return Skipped(source.name, f"cannot read: {exc.strerror or exc}")
    except (Unreadable, InputError) as exc:
        return Skipped(source.name, str(exc))


def _rows(source: Source, options: ReadOptions) -> Iterator[Row]:
    assert source.path is not None
    columns = list(dict.fromkeys([options.text_field, options.id_field or options.text_field]))
    if source.fmt == "jsonl":
        yield from jsonl_rows(source.path, options.encoding)
    elif source.fmt in ("csv", "tsv"):
        yield from delimited_rows(source.path, options.encoding, "," if source.fmt == "csv" else "\t", columns)
    elif source.fmt == "parquet":
        yield from parquet_rows(source.path, columns)
    elif source.fmt == "arrow":
        yield from arrow_rows([source.path], columns)
    else:
        yield from arrow_rows(arrow_files(source.path), columns)


def _read_records(source: Source, options: ReadOptions, seen: set[str]) -> Iterator[Record | Skipped]:
    """The documents of a data set; a record that cannot be one is a :class:`Skipped`."""
    unit = "line" if source.fmt in ("jsonl", "csv", "tsv") else "row"
    last = 0
    try:
        for n, row in _rows(source, options):
            last = n
            yield _record(row, f"{source.name}:{n}", f"{source.doc_id}:{n}", options, seen)
    except OSError as exc:
        yield Skipped(source.name, f"cannot read: {exc.strerror or exc}")
    except Unreadable as exc:
        yield Skipped(source.name, f"after {unit} {last}: {exc}; the rest of the file is skipped" if last else str(exc))


def _record(row: Mapping[str, Any] | str, where: str, default_id: str, options: ReadOptions,
            seen: set[str]) -> Record | Skipped:
    if isinstance(row, str):
        return Skipped(where, row)
    field = options.text_field
    if field not in row:
        return Skipped(where, f"no field {field!r}")
    text = row[field]
    if text is None:
        return Skipped(where, f"field {field!r} is null")
    if not isinstance(text, str):
        return Skipped(where, f"field {field!r} is {kind_of(text)}, not text")
    if not text.strip():
        return Skipped(where, f"field {field!r} is empty" if not text else f"field {field!r} is only whitespace")
    if options.id_field is None:
        return Record(default_id, text, where)
    field = options.id_field
    if field not in row:
        return Skipped(where, f"no field {field!r} (--id-field)")
    value = row[field]
    if isinstance(value, bool) or not isinstance(value, str | int):
        return Skipped(where, f"field {field!r} is {kind_of(value)}, not an id (text or an integer)")
    doc_id = str(value)
    if not doc_id.strip():
        return Skipped(where, f"field {field!r} is empty")
    if doc_id in seen:
        return Skipped(where, f"duplicate id {doc_id!r}")
    seen.add(doc_id)
    return Record(doc_id, text, where)


def read_inputs(sources: list[Source | Skipped], options: ReadOptions) -> Iterator[Record | Skipped]:
    """Every document of the sources in order, or a :class:`Skipped` for what cannot be one.

    Data-set ids from ``options.id_field`` are remembered to find duplicates (a set of the ids,
    about 100 bytes each); nothing else grows with the number of records.
    """
    seen: set[str] = set()
    for source in sources:
        if isinstance(source, Skipped):
            yield source
        elif source.fmt == "txt":
            item = _read_text(source, options.encoding)
            if isinstance(item, Record) and options.id_field is not None:
                seen.add(item.doc_id)
            yield item
        else:
            yield from _read_records(source, options, seen)


class Inputs:
    """The documents of the command's inputs, streamed by iterating; what could not be read is
    collected in :attr:`skipped` (and passed to ``on_skip`` as it is found)."""

    def __init__(self, items: list[str], options: ReadOptions | None = None,
                 on_skip: Callable[[Skipped], None] | None = None) -> None:
        self.options = options or ReadOptions()
        self.sources = collect_sources(items, self.options.encoding)
        self.skipped: list[Skipped] = []
        self.on_skip = on_skip

    def skip(self, item: Skipped) -> None:
        self.skipped.append(item)
        if self.on_skip is not None:
            self.on_skip(item)

    def __iter__(self) -> Iterator[Record]:
        for item in read_inputs(self.sources, self.options):
            if isinstance(item, Skipped):
                self.skip(item)
            else:
                yield item
