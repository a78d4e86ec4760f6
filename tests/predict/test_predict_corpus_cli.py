"""``argmine predict`` on data sets and failing inputs, end to end through the CLI (in process)
with the tiny untrained model: what is written, what is reported, the exit status."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.predict.saved_datasets import save_to_disk

from argmine.cli import main

GOOD = "Cities should ban cars. They pollute the air."


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_missing_input_among_several_is_skipped_and_the_others_written(
        tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    missing = tmp_path / "missing.txt"
    assert main(["predict", "--model", str(tiny_model), "--format", "jsonl", str(good), str(missing)]) == 1
    captured = capsys.readouterr()
    assert [r["id"] for r in records(captured.out)] == ["good"]
    assert f"argmine predict: {missing}: no such file or folder; skipped" in captured.err.splitlines()
    assert "Traceback" not in captured.err

    out = tmp_path / "out"
    assert main(["predict", "--model", str(tiny_model), "--format", "jsonl,brat", "--out", str(out),
                 str(missing), str(good)]) == 1
    assert [r["id"] for r in records((out / "predictions.jsonl").read_text(encoding="utf-8"))] == ["good"]
    assert (out / "good.txt").read_text(encoding="utf-8") == GOOD and (out / "good.ann").is_file()


@pytest.mark.parametrize(("name", "data", "message"), [
    ("latin.txt", b"Caf\xe9s are cheap.", "not valid utf-8"),
    ("blob.txt", b"\x00\x01\x02abc", "contains NUL bytes"),
    ("cut.txt.gz", gzip.compress(b"Some text. " * 50, mtime=0)[:20], "corrupt or truncated data"),
    ("empty.jsonl", b'{"text": "   "}\n', "field 'text' is only whitespace"),
], ids=["undecodable", "nul-bytes", "corrupt-gzip", "whitespace-record"])
@pytest.mark.parametrize("out_exists", [False, True], ids=["new-out", "existing-out"])
def test_a_run_whose_only_input_fails_leaves_no_output_file(
        tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes,
        message: str, out_exists: bool) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out"
    if out_exists:
        out.mkdir()
    assert main(["predict", "--model", str(tiny_model), "--format", "jsonl,html,brat,text", "--out", str(out),
                 str(path)]) == 1
    # an empty predictions.jsonl / predictions.html would look like a run that found nothing
    assert out.is_dir() == out_exists and (not out_exists or list(out.iterdir()) == [])
    err = capsys.readouterr().err
    assert message in err and "no output written" in err


def test_a_jsonl_data_set_with_bad_records(tiny_model: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus.jsonl.gz"
    lines = [{"key": "a/1", "body": GOOD}, {"key": "a/2"}, {"key": "a/3", "body": "Taxes should rise."},
             {"key": "a/1", "body": "A duplicate id."}]
    corpus.write_bytes(gzip.compress(b"".join(json.dumps(x).encode() + b"\n" for x in lines) + b"{oops\n"))
    out = tmp_path / "out"
    assert main(["predict", "--model", str(tiny_model), "--text-field", "body", "--id-field", "key",
                 "--format", "jsonl,brat", "--out", str(out), str(corpus)]) == 1
    recs = records((out / "predictions.jsonl").read_text(encoding="utf-8"))
    assert [(r["id"], r["text"]) for r in recs] == [("a/1", GOOD), ("a/3", "Taxes should rise.")]
    # ids are not file names: brat files get safe names, nothing is written outside --out
    assert sorted(p.name for p in out.iterdir()) == [
        "a_1.ann", "a_1.txt", "a_3.ann", "a_3.txt", "annotation.conf", "predictions.jsonl", "visual.conf"]
    err = capsys.readouterr().err.splitlines()
    assert err == [f"argmine predict: {corpus}:2: no field 'body'; skipped",
                   f"argmine predict: {corpus}:4: duplicate id 'a/1'; skipped",
                   f"argmine predict: {corpus}:5: not valid JSON (Expecting property name enclosed in "
                   "double quotes: column 2); skipped",
                   "argmine predict: 3 skipped, 2 predicted"]


def test_parquet_and_a_saved_dataset_with_generated_ids(tiny_model: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    pq.write_table(pa.table({"text": [GOOD, "Second text."]}), tmp_path / "p.parquet")
    saved = save_to_disk(tmp_path / "saved", [{"id": "x", "text": "Third text."}], files=1)
    assert main(["predict", "--model", str(tiny_model), "--format", "jsonl", str(tmp_path / "p.parquet"),
                 str(saved)]) == 0
    captured = capsys.readouterr()
    assert [(r["id"], r["text"]) for r in records(captured.out)] == [
        ("p.parquet:1", GOOD), ("p.parquet:2", "Second text."), ("saved:1", "Third text.")]
    assert captured.err == ""


def test_an_unknown_extension_is_one_error_before_the_model_loads(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["predict", "--model", str(tmp_path / "no-model"), "--out", str(out), str(tmp_path / "notes.md")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown input format '.md'" in err[0] and not out.exists()
