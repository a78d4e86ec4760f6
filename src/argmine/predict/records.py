"""Rows of data-set inputs for ``argmine predict``, read as a stream: JSON lines, CSV/TSV (all
three optionally ``.gz`` or ``.zst``), Parquet and Arrow (a Hugging Face ``save_to_disk`` folder).

Each reader yields ``(n, row)``: ``n`` the line (text formats: the line a record starts on) or
the row (columnar formats, from 1), and ``row`` a mapping of the record's fields, or the reason
(a string) why the record cannot be read. A problem that ends the file (a missing column,
corrupt compressed data) raises :class:`Unreadable`. Nothing holds more than one line, one CSV
record or one batch of rows at a time.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

Row = tuple[int, Mapping[str, Any] | str]

#: rows per Arrow / Parquet batch turned into Python values at once
BATCH_ROWS = 256
#: the largest CSV field (the csv module's default of 131,072 characters is too small for a document)
CSV_FIELD_LIMIT = 5_000_000


class Unreadable(Exception):
    """The (rest of the) file cannot be read; ``str()`` says why."""


def compression(path: Path) -> str | None:
    """``"gz"``, ``"zst"`` or ``None``, from the file name."""
    name = path.name.lower()
    return "gz" if name.endswith(".gz") else "zst" if name.endswith(".zst") else None


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it ends in ``.gz`` or ``.zst``; OSError when unreadable."""
    kind = compression(path)
    if kind == "gz":
        return gzip.open(path, "rb")
    raw = path.open("rb")
    if kind == "zst":
        # deferred: zstandard is needed for .zst inputs only
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=True)
        return io.BufferedReader(reader)  # type: ignore[arg-type]
    return raw


def _stream_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)
    try:
        import zstandard
    except ImportError:
        return errors
    return (*errors, zstandard.ZstdError)


def read_limited(path: Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the (decompressed) file: enough to tell it is too long."""
    with open_binary(path) as fh:
        try:
            return fh.read(limit + 1)
        except _stream_errors() as exc:
            raise Unreadable(f"corrupt or truncated data ({exc})") from None


def _raw_lines(path: Path) -> Iterator[bytes]:
    with open_binary(path) as fh:
        try:
            yield from fh
        except _stream_errors() as exc:
            raise Unreadable(f"corrupt or truncated data ({exc})") from None


def decode_line(data: bytes, encoding: str, first: bool) -> str:
    """One line's text; ValueError with the reason when it is binary or not in ``encoding``."""
    if b"\x00" in data:
        raise ValueError("contains NUL bytes (a binary file?)")
    codec = "utf-8-sig" if first and codecs.lookup(encoding).name == "utf-8" else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"not valid {encoding} (byte {exc.start + 1} of the line: {data[exc.start:exc.start + 1]!r}); "
            "pass the file's encoding, e.g. --encoding latin-1 or --encoding cp1252"
        ) from None


def ascii_compatible(encoding: str) -> bool:
    """Line-oriented data sets are split into lines before decoding: utf-16/32 cannot be."""
    return '\n{"a,\t'.encode(encoding) == b'\n{"a,\t'


def jsonl_rows(path: Path, encoding: str) -> Iterator[Row]:
    """One JSON object per line; blank lines are not records and are passed over."""
    for n, data in enumerate(_raw_lines(path), start=1):
        try:
            line = decode_line(data, encoding, n == 1)
        except ValueError as exc:
            yield n, str(exc)
            continue
        if not line.strip():
            continue
        try:
            value = json.loads(line.rstrip("\r\n"))
        except json.JSONDecodeError as exc:
            yield n, f"not valid JSON ({exc.msg}: column {exc.colno})"
            continue
        yield n, (value if isinstance(value, dict) else f"not a JSON object but {kind_of(value)}")


class _Lines:
    """Decoded lines for :mod:`csv`, counting them and remembering the first one (number and
    reason) that could not be decoded since :attr:`problem` was last cleared."""

    def __init__(self, raw: Iterable[bytes], encoding: str) -> None:
        self.raw = iter(raw)
        self.encoding = encoding
        self.count = 0
        self.problem: tuple[int, str] | None = None

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        data = next(self.raw)
        self.count += 1
        try:
            return decode_line(data, self.encoding, self.count == 1)
        except ValueError as exc:
            self.problem = self.problem or (self.count, str(exc))
            # the record this line belongs to is reported; a stand-in keeps the quoting in step
            return data.replace(b"\x00", b"").decode(self.encoding, errors="replace")


def delimited_rows(path: Path, encoding: str, delimiter: str, columns: list[str]) -> Iterator[Row]:
    """CSV / TSV with a header line that has ``columns``; a record may span lines (quoted line
    breaks) and starts on the line its number says."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    lines = _Lines(_raw_lines(path), encoding)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    header: list[str] | None = None
    while True:
        start, lines.problem = lines.count + 1, None
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, f"malformed {'TSV' if delimiter == chr(9) else 'CSV'} ({exc})"
            continue
        if lines.problem is not None:
            line, reason = lines.problem
            if header is None:
                raise Unreadable(f"header: {reason}")
            yield start, reason if line == start else f"line {line}: {reason}"
            continue
        if not fields:  # a blank line
            continue
        if header is None:
            require_columns(fields, columns)
            header = fields
            continue
        if len(fields) != len(header):
            yield start, f"{len(fields)} field{'s' * (len(fields) != 1)}, the header has {len(header)}"
            continue
        yield start, dict(zip(header, fields, strict=True))


def require_columns(names: Iterable[str], wanted: Iterable[str | None]) -> None:
    """Unreadable naming the first wanted column that is absent, and the columns there are."""
    names = list(names)
    for column in wanted:
        if column is not None and column not in names:
            raise Unreadable(f"no column {column!r} (columns: {', '.join(names) or 'none'})")


def _batch_rows(batches: Iterable[Any], columns: list[str], first: int) -> Iterator[Row]:
    n = first
    for batch in batches:
        values = [batch.column(batch.schema.get_field_index(c)).to_pylist() for c in columns]
        for row in zip(*values, strict=True):
            n += 1
            yield n, dict(zip(columns, row, strict=True))


def parquet_rows(path: Path, columns: list[str]) -> Iterator[Row]:
    """The given columns of a Parquet file, a batch of rows at a time."""
    # deferred: pyarrow is needed for Parquet and Arrow inputs only
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise Unreadable(f"not a readable Parquet file ({exc})") from None
    with parquet:
        require_columns(parquet.schema_arrow.names, columns)
        try:
            yield from _batch_rows(parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns), columns, 0)
        except (pa.ArrowException, OSError) as exc:
            raise Unreadable(f"corrupt Parquet data ({exc})") from None


def arrow_files(folder: Path) -> list[Path]:
    """The ``.arrow`` files of a ``save_to_disk`` folder, in the order its ``state.json`` lists."""
    try:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        names = [f["filename"] for f in state["_data_files"]]
    except (OSError, ValueError, KeyError, TypeError):
        names = sorted(p.name for p in folder.glob("*.arrow"))
    if not names:
        raise Unreadable("no .arrow files in the data set folder")
    return [folder / name for name in names]


def arrow_rows(files: list[Path], columns: list[str]) -> Iterator[Row]:
    """The given columns of Arrow IPC files (stream format, as ``datasets`` writes, or file
    format), memory-mapped and read a batch at a time; rows are numbered across the files."""
    import pyarrow as pa

    n = 0
    for file in files:
        try:
            source = pa.memory_map(str(file))
        except (pa.ArrowException, OSError) as exc:
            raise Unreadable(f"{file.name}: cannot read ({exc})") from None
        with source:
            try:
                reader: Any = pa.ipc.open_stream(source)
                batches: Iterable[Any] = reader
            except pa.ArrowInvalid:
                try:
                    source.seek(0)
                    reader = pa.ipc.open_file(source)
                except pa.ArrowInvalid as exc:
                    raise Unreadable(f"{file.name}: not an Arrow file ({exc})") from None
                batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
            require_columns(reader.schema.names, columns)
            count = 0
            try:
                for row in _batch_rows(batches, columns, n):
                    count += 1
                    yield row
            except (pa.ArrowException, OSError) as exc:
                raise Unreadable(f"{file.name}: corrupt Arrow data ({exc})") from None
            n += count


def kind_of(value: Any) -> str:
    """``a number``, ``a list``, ...: what a JSON / Arrow value is, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, bytes | bytearray):
        return "bytes"
    return f"a {type(value).__name__}"
