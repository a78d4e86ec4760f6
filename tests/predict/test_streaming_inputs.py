"""``argmine predict`` inputs as a stream (no model): every format gives its ids and texts in
order, every bad record is reported with its file and line (or row) and the others are read,
and reading a large compressed data set holds no list of its records."""

from __future__ import annotations

import csv
import gzip
import io
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from tests.predict.saved_datasets import save_to_disk

from argmine.predict.inputs import InputError, Inputs, ReadOptions, collect_sources

#: commas, quotes, a line break inside a text, \r\n, non-ASCII: what CSV quoting must survive
ROWS = [
    {"id": "a1", "text": 'Cars should be banned, "now".'},
    {"id": "b2", "text": "They pollute.\r\nCities agree."},
    {"id": "c3", "text": "Ünïcödé tëxt ✓ with\ttab"},
]
TEXTS = [r["text"] for r in ROWS]


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def _delimited(rows: list[dict], delimiter: str) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=["id", "text"], delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _table(rows: list[dict]):
    return pa.table({"id": [r["id"] for r in rows], "text": [r["text"] for r in rows]})


def _arrow_file(path: Path, rows: list[dict]) -> Path:
    """An Arrow IPC *file* (with a footer), not the stream format ``datasets`` writes."""
    with pa.ipc.new_file(str(path), _table(rows).schema) as writer:
        writer.write_table(_table(rows), max_chunksize=2)
    return path


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


WRITERS: dict[str, Callable[[Path, list[dict]], Path]] = {
    "c.jsonl": lambda p, rows: _write(p, _jsonl(rows)),
    "c.jsonl.gz": lambda p, rows: _write(p, gzip.compress(_jsonl(rows))),
    "c.jsonl.zst": lambda p, rows: _write(p, zstandard.ZstdCompressor().compress(_jsonl(rows))),
    "c.csv": lambda p, rows: _write(p, _delimited(rows, ",")),
    "c.csv.gz": lambda p, rows: _write(p, gzip.compress(_delimited(rows, ","))),
    "c.tsv": lambda p, rows: _write(p, _delimited(rows, "\t")),
    "c.tsv.zst": lambda p, rows: _write(p, zstandard.ZstdCompressor().compress(_delimited(rows, "\t"))),
    "c.parquet": lambda p, rows: (pq.write_table(_table(rows), p, row_group_size=2), p)[1],
    "c.arrow": lambda p, rows: _arrow_file(p, rows),
    "c_saved": save_to_disk,
}
#: the number in generated ids: the line a record starts on (CSV: after the header, and the
#: quoted \r\n of the second text makes it two lines), or the row from 1 (Parquet, Arrow)
NUMBERS = {"jsonl": [1, 2, 3], "csv": [2, 3, 5], "tsv": [2, 3, 5], "rows": [1, 2, 3]}


@pytest.mark.parametrize("name", list(WRITERS))
def test_each_format_gives_ids_and_texts_in_order(tmp_path: Path, name: str) -> None:
    path = WRITERS[name](tmp_path / name, ROWS)
    inputs = Inputs([str(path)], ReadOptions())
    records = list(inputs)
    assert [r.text for r in records] == TEXTS and inputs.skipped == []
    kind = next((k for k in ("jsonl", "csv", "tsv") if f".{k}" in name), "rows")
    assert [r.doc_id for r in records] == [f"{name}:{n}" for n in NUMBERS[kind]]
    assert [r.where for r in records] == [f"{path}:{n}" for n in NUMBERS[kind]]
    by_field = Inputs([str(path)], ReadOptions(id_field="id"))
    assert [(r.doc_id, r.text) for r in by_field] == [(r["id"], r["text"]) for r in ROWS]


def test_text_folders_recursive_sorted_compressed_files_and_stdin_ids(tmp_path: Path) -> None:
    (tmp_path / "in" / "b").mkdir(parents=True)
    (tmp_path / "in" / "b" / "z.txt").write_text("nested", encoding="utf-8")
    (tmp_path / "in" / "a.txt").write_bytes("\ufefffirst\r\n".encode())
    (tmp_path / "in" / "c.txt").write_text("", encoding="utf-8")  # an empty file: a document
    (tmp_path / "in" / "notes.md").write_text("not read", encoding="utf-8")
    gz = _write(tmp_path / "essay one.txt.gz", gzip.compress(b"zipped"))
    bare = _write(tmp_path / "README", b"no suffix: text")
    records = list(Inputs([str(tmp_path / "in"), str(gz), str(bare)]))
    assert [(r.doc_id, r.text) for r in records] == [
        ("a", "first\r\n"), ("z", "nested"), ("c", ""), ("essay_one", "zipped"), ("README", "no suffix: text")]


def test_a_saved_dataset_dict_reads_each_split(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    save_to_disk(folder / "train", ROWS[:2], files=1)
    save_to_disk(folder / "test", ROWS[2:], files=1)
    (folder / "dataset_dict.json").write_text(json.dumps({"splits": ["train", "test"]}))
    records = list(Inputs([str(folder)]))
    assert [(r.doc_id, r.text) for r in records] == [
        ("corpus/train:1", TEXTS[0]), ("corpus/train:2", TEXTS[1]), ("corpus/test:1", TEXTS[2])]


def test_every_bad_jsonl_record_is_reported_with_its_line_and_the_others_read(tmp_path: Path) -> None:
    lines = [
        b'{"key": "k1", "body": "Good one."}',
        b'{"key": "k2", "text": "no body"}',
        b'{"key": "k3", "body": null}',
        b'{"key": "k4", "body": 42}',
        b'{"key": "k5", "body": " \\n\\t "}',
        b'{"key": "k6", "body": "cut off',
        b'["a", "list"]',
        b'{"key": "k1", "body": "Duplicate id."}',
        b'{"body": "No key."}',
        b'{"key": "k9", "body": "caf\xe9 in latin-1"}',
        b'{"key": "k10", "body": "a NUL \x00 byte"}',
        b"",
        b'{"key": 12, "body": "Integer ids are ids."}',
    ]
    path = _write(tmp_path / "corpus.jsonl", b"\n".join(lines) + b"\n")
    seen: list[str] = []
    inputs = Inputs([str(path)], ReadOptions(text_field="body", id_field="key"), on_skip=lambda s: seen.append(str(s)))
    records = list(inputs)
    assert [(r.doc_id, r.text, r.where) for r in records] == [
        ("k1", "Good one.", f"{path}:1"), ("12", "Integer ids are ids.", f"{path}:13")]
    got = [s.as_dict() for s in inputs.skipped]
    assert [d["where"] for d in got] == [f"{path}:{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11)]
    reasons = [d["reason"] for d in got]
    assert reasons[:4] == ["no field 'body'", "field 'body' is null", "field 'body' is a number, not text",
                           "field 'body' is only whitespace"]
    assert reasons[4].startswith("not valid JSON (Unterminated string")
    assert reasons[5] == "not a JSON object but a list"
    assert reasons[6] == "duplicate id 'k1'"
    assert reasons[7] == "no field 'key' (--id-field)"
    assert reasons[8].startswith("not valid utf-8 (byte 27 of the line: b'\\xe9'); pass the file's encoding")
    assert reasons[9].startswith("contains NUL bytes")
    assert seen == [f"{d['where']}: {d['reason']}" for d in got]  # reported as found


def test_bad_csv_rows_are_reported_with_their_line(tmp_path: Path) -> None:
    data = (b'id,text\n'
            b'1,"Spans\ntwo lines."\n'
            b'2\n'
            b'3,"x","y"\n'
            b'4,"bad"quote\n'
            b'5,\n'
            b'6,"caf\xe9\nsecond line"\n'
            b'1,duplicate\n'
            b'\n'
            b'7,Last one.\n')
    path = _write(tmp_path / "c.csv", data)
    inputs = Inputs([str(path)], ReadOptions(id_field="id"))
    assert [(r.doc_id, r.text, r.where) for r in inputs] == [
        ("1", "Spans\ntwo lines.", f"{path}:2"), ("7", "Last one.", f"{path}:12")]
    assert [(s.where, s.reason.split(";")[0]) for s in inputs.skipped] == [
        (f"{path}:4", "1 field, the header has 2"),
        (f"{path}:5", "3 fields, the header has 2"),
        (f"{path}:6", "malformed CSV (',' expected after '\"')"),
        (f"{path}:7", "field 'text' is empty"),
        (f"{path}:8", "not valid utf-8 (byte 7 of the line: b'\\xe9')"),
        (f"{path}:10", "duplicate id '1'"),
    ]


def test_bad_columnar_rows_and_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"text": ["one", None, "", "four"]}), path, row_group_size=3)
    inputs = Inputs([str(path)])
    assert [(r.doc_id, r.text) for r in inputs] == [("p.parquet:1", "one"), ("p.parquet:4", "four")]
    assert [str(s) for s in inputs.skipped] == [f"{path}:2: field 'text' is null", f"{path}:3: field 'text' is empty"]
    numbers = tmp_path / "n.parquet"
    pq.write_table(pa.table({"text": [1, 2]}), numbers)
    inputs = Inputs([str(numbers), str(path)], ReadOptions(text_field="body"))
    assert list(inputs) == []
    assert [str(s) for s in inputs.skipped] == [f"{numbers}: no column 'body' (columns: text)",
                                                f"{path}: no column 'body' (columns: text)"]
    inputs = Inputs([str(numbers)])
    assert list(inputs) == [] and [s.reason for s in inputs.skipped] == ["field 'text' is a number, not text"] * 2


def test_corrupt_compressed_data_keeps_the_records_before_it(tmp_path: Path) -> None:
    whole = gzip.compress(_jsonl([{"text": f"record {i}"} for i in range(5000)]))
    cut = _write(tmp_path / "cut.jsonl.gz", whole[: len(whole) // 2])
    garbage = _write(tmp_path / "garbage.csv.zst", b"not zstd at all")
    good = _write(tmp_path / "good.jsonl", _jsonl(ROWS))
    inputs = Inputs([str(cut), str(garbage), str(good)])
    records = list(inputs)
    before = [r for r in records if r.where.startswith(str(cut))]
    assert before and [r.text for r in before] == [f"record {i}" for i in range(len(before))]
    assert [r.text for r in records[len(before):]] == TEXTS
    (cut_skip, garbage_skip) = inputs.skipped
    assert cut_skip.where == str(cut)
    assert cut_skip.reason.startswith(f"after line {len(before)}: corrupt or truncated data")
    assert cut_skip.reason.endswith("the rest of the file is skipped")
    assert garbage_skip.where == str(garbage) and garbage_skip.reason.startswith("corrupt or truncated data")


def test_missing_inputs_and_empty_folders_are_skipped_in_place(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.txt", b"Good text.")
    (tmp_path / "empty").mkdir()
    sources = collect_sources([str(tmp_path / "missing.jsonl"), str(good), str(tmp_path / "empty")])
    assert [str(s) if not hasattr(s, "fmt") else s.doc_id for s in sources] == [
        f"{tmp_path / 'missing.jsonl'}: no such file or folder", "good", f"{tmp_path / 'empty'}: folder contains no .txt files"]
    inputs = Inputs([str(tmp_path / "missing.txt"), str(good)])
    assert [r.doc_id for r in inputs] == ["good"]
    assert [s.as_dict() for s in inputs.skipped] == [
        {"where": str(tmp_path / "missing.txt"), "reason": "no such file or folder"}]


@pytest.mark.parametrize(("name", "options", "message"), [
    ("notes.md", {}, "unknown input format '.md'"),
    ("data.json.gz", {}, "unknown input format '.json'"),
    ("t.parquet.gz", {}, "cannot be read compressed"),
    ("c.jsonl", {"encoding": "utf-16"}, "convert the file to utf-8"),
])
def test_inputs_that_cannot_be_read_at_all_are_one_clear_error(tmp_path: Path, name: str, options: dict,
                                                               message: str) -> None:
    _write(tmp_path / name, b"x")
    with pytest.raises(InputError, match=message) as err:
        Inputs([str(tmp_path / "ok.txt"), str(tmp_path / name)], ReadOptions(**options))
    assert "\n" not in str(err.value)


def _read_all(path: Path) -> tuple[int, int]:
    """Documents read and the peak of memory allocated while reading them (bytes)."""
    count = 0
    tracemalloc.start()
    try:
        for _ in Inputs([str(path)]):
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak


def test_reading_a_large_compressed_data_set_holds_no_list_of_its_records(tmp_path: Path) -> None:
    def write(n: int) -> Path:
        path = tmp_path / f"big{n}.jsonl.gz"
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as fh:
            for i in range(n):
                fh.write(json.dumps({"text": f"Record {i}: cars should be banned because they pollute."}) + "\n")
        return path

    small, large = write(10_000), write(50_000)
    assert _read_all(small)[0] == 10_000
    count, peak_large = _read_all(large)
    _, peak_small = _read_all(small)
    assert count == 50_000
    # 50,000 records of ~80 bytes would be ~4 MB as strings, more as Record objects: the reader
    # keeps a few buffers only, the same for 10,000 and 50,000 records
    assert peak_large < 1_000_000, peak_large
    assert peak_large < peak_small + 200_000, (peak_small, peak_large)
