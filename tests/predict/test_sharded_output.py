"""``argmine predict --shard-size N --out DIR``: shards of N documents, a manifest that lists
them with checksums, resuming after an interruption (also ``kill -9``) without losing or
repeating a document, refusing other settings, ``--overwrite``; and the progress figures."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from rich.console import Console
from tests.conftest import REPO_ROOT, run_argmine

from argmine.cli import main
from argmine.predict.progress import Meter
from argmine.predict.shards import argmine_version, file_sha256, model_fingerprint

TEXTS = ["Cities should ban cars.", "They pollute the air and they are loud.",
         "Taxes on fuel should rise, because fuel is too cheap.", "Public transport must be free."]


def write_corpus(path: Path, count: int, bad: tuple[int, ...] = (), repeat: int = 1) -> list[str]:
    """``count`` JSON lines with ids ``d0000``...; a line in ``bad`` (0-based) has no text, the
    others a sentence or two (``repeat`` times). Returns the ids that can be predicted, in order."""
    ids = []
    with path.open("w", encoding="utf-8") as fh:
        for n in range(count):
            if n in bad:
                fh.write(json.dumps({"id": f"d{n:04d}"}) + "\n")
                continue
            ids.append(f"d{n:04d}")
            text = " ".join([f"{TEXTS[n % len(TEXTS)]} Number {n}."] * repeat)
            fh.write(json.dumps({"id": ids[-1], "text": text}) + "\n")
    return ids


def predict(model: Path, corpus: Path, out: Path, *extra: str) -> int:
    return main(["predict", "--model", str(model), "--id-field", "id", "--out", str(out), *extra, str(corpus)])


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def shard_ids(out: Path) -> list[str]:
    """The ids of the documents of the shards the manifest lists, in order."""
    ids = []
    for entry in manifest(out)["shards"]:
        lines = (out / entry["file"]).read_text(encoding="utf-8").splitlines()
        ids += [json.loads(line)["id"] for line in lines]
    return ids


def snapshot(out: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(out)): (p.stat().st_mtime_ns, p.read_bytes()) for p in out.rglob("*") if p.is_file()}


def test_shards_and_manifest(tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus.jsonl"
    ids = write_corpus(corpus, 26, bad=(12,))
    out = tmp_path / "out"
    assert predict(tiny_model, corpus, out, "--shard-size", "10") == 1  # a record was skipped
    err = capsys.readouterr().err.splitlines()
    assert err == [f"argmine predict: {corpus}:13: no field 'text'; skipped",
                   f"argmine predict: 25 predicted, 1 skipped; {out / 'manifest.json'}: "
                   "25 documents in 3 shards, 1 skipped"]
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "shards"]
    assert sorted(p.name for p in (out / "shards").iterdir()) == [
        "part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    m = manifest(out)
    assert m["argmine"] == argmine_version() and m["manifest_version"] == 1
    assert m["model"] == {"path": str(tiny_model.resolve()), "sha256": model_fingerprint(tiny_model)}
    assert m["inputs"] == [str(corpus.resolve())]
    assert m["options"] == {"schema": "unified", "unit": None, "max_length": None, "stride": None,
                            "precision": "fp32", "text_field": "text", "id_field": "id", "shard_size": 10,
                            "encoding": "utf-8", "format": "jsonl"}
    assert m["complete"] is True and m["documents"] == 25
    assert m["skipped"] == [{"where": f"{corpus}:13", "reason": "no field 'text'"}]
    expected = [("d0000", "d0009", 10, 0), ("d0010", "d0020", 10, 1), ("d0021", "d0025", 5, 0)]
    for entry, (first, last, count, skipped) in zip(m["shards"], expected, strict=True):
        path = out / entry["file"]
        lines = path.read_text(encoding="utf-8").splitlines()
        assert (entry["first_id"], entry["last_id"], entry["documents"], entry["skipped"]) == (first, last, count, skipped)
        assert len(lines) == count and json.loads(lines[0])["id"] == first and json.loads(lines[-1])["id"] == last
        assert entry["sha256"] == file_sha256(path) and entry["bytes"] == path.stat().st_size
    assert shard_ids(out) == ids
    record = json.loads((out / "shards" / "part-00000.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert set(record) == {"id", "text", "spans", "relations"} and record["text"].startswith(TEXTS[0])

    # run again: nothing is predicted, nothing is written
    before = snapshot(out)
    assert predict(tiny_model, corpus, out, "--shard-size", "10") == 1
    assert "complete, 25 documents in 3 shards, 1 skipped; nothing to predict" in capsys.readouterr().err
    assert snapshot(out) == before


def test_parquet_shards(tiny_model: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    ids = write_corpus(corpus, 7)
    out = tmp_path / "out"
    assert predict(tiny_model, corpus, out, "--shard-size", "3", "--format", "parquet") == 0
    m = manifest(out)
    assert [e["file"] for e in m["shards"]] == [f"shards/part-0000{n}.parquet" for n in range(3)]
    rows = [row for e in m["shards"] for row in pq.read_table(out / e["file"]).to_pylist()]
    assert [r["id"] for r in rows] == ids and all(isinstance(json.loads(r["spans"]), list) for r in rows)
    assert all(e["sha256"] == file_sha256(out / e["file"]) for e in m["shards"])


def cut_back(out: Path, keep: int) -> None:
    """Leave ``out`` as a run killed after ``keep`` shards could leave it at its worst: the next
    shard renamed but not yet listed, the one after half written, a manifest half rewritten."""
    m = manifest(out)
    for entry in m["shards"][keep + 1:]:
        path = out / entry["file"]
        path.replace(path.with_name(path.name + ".part"))
        path.with_name(path.name + ".part").write_bytes(b'{"id": "half a li')
    m["shards"] = m["shards"][:keep]
    m["documents"] = sum(e["documents"] for e in m["shards"])
    m["skipped"] = m["skipped"][:sum(e["skipped"] for e in m["shards"])]  # in input order
    m["complete"] = False
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    (out / "manifest.json.part").write_text('{"manifest_vers', encoding="utf-8")


def test_resume_completes_what_a_killed_run_left(tiny_model: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus.jsonl"
    ids = write_corpus(corpus, 26, bad=(3, 24))
    out = tmp_path / "out"
    assert predict(tiny_model, corpus, out, "--shard-size", "5") == 1
    complete = manifest(out)
    cut_back(out, keep=2)
    capsys.readouterr()
    assert predict(tiny_model, corpus, out, "--shard-size", "5") == 1
    err = capsys.readouterr().err
    assert f"resuming {out}: 10 documents in 2 shards, 1 skipped done" in err
    assert f"14 predicted, 1 skipped; {out / 'manifest.json'}: 24 documents in 5 shards, 2 skipped (10 in earlier runs)" in err
    assert shard_ids(out) == ids
    m = manifest(out)
    assert {k: v for k, v in m.items() if k != "shards"} == {k: v for k, v in complete.items() if k != "shards"}
    assert [(e["file"], e["documents"], e["skipped"]) for e in m["shards"]] == [
        (e["file"], e["documents"], e["skipped"]) for e in complete["shards"]]
    assert all(e["sha256"] == file_sha256(out / e["file"]) for e in m["shards"])
    assert not list(out.rglob("*.part"))


def test_inputs_that_changed_are_refused(tiny_model: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus.jsonl"
    write_corpus(corpus, 12)
    out = tmp_path / "out"
    assert predict(tiny_model, corpus, out, "--shard-size", "5") == 0
    cut_back(out, keep=1)
    corpus.write_text("".join(corpus.read_text(encoding="utf-8").splitlines(keepends=True)[2:]), encoding="utf-8")
    capsys.readouterr()
    assert predict(tiny_model, corpus, out, "--shard-size", "5") == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == (f"argmine predict: error: the inputs changed since {out / 'shards/part-00000.jsonl'} was "
                       "written (its documents 'd0000' to 'd0004' are not where they were); add --overwrite to "
                       "start over")


@pytest.mark.parametrize(("extra", "named"), [
    (["--shard-size", "4"], "--shard-size 4 (the folder's: 5)"),
    (["--shard-size", "5", "--max-length", "16"], "--max-length 16 (the folder's: not given)"),
    (["--shard-size", "5", "--schema", "native"], "--schema native (the folder's: unified)"),
    (["--shard-size", "5", "--format", "parquet"], "--format parquet (the folder's: jsonl)"),
], ids=["shard-size", "max-length", "schema", "format"])
def test_other_settings_are_refused_in_one_line(tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                extra: list[str], named: str) -> None:
    corpus = tmp_path / "corpus.jsonl"
    write_corpus(corpus, 7)
    out = tmp_path / "out"
    assert predict(tiny_model, corpus, out, "--shard-size", "5") == 0
    before = snapshot(out)
    capsys.readouterr()
    assert predict(tiny_model, corpus, out, *extra) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"argmine predict: error: {out} holds predictions made with other settings: {named}; run with "
                   "the folder's settings to resume, or add --overwrite to start over"]
    assert snapshot(out) == before


def test_another_model_is_refused_and_overwrite_starts_over(tiny_model: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus.jsonl"
    ids = write_corpus(corpus, 12)
    out = tmp_path / "out"
    assert predict(tiny_model, corpus, out, "--shard-size", "5") == 0
    other = tmp_path / "other"
    shutil.copytree(tiny_model, other)
    (other / "argmine.json").write_text((other / "argmine.json").read_text(encoding="utf-8") + " ", encoding="utf-8")
    capsys.readouterr()
    assert predict(other, corpus, out, "--shard-size", "5") == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and f"--model {other.resolve()} is another model" in err[0]

    assert predict(other, corpus, out, "--shard-size", "8", "--overwrite", "--progress-every", "0") == 0
    m = manifest(out)
    assert m["model"]["path"] == str(other.resolve()) and m["options"]["shard_size"] == 8
    assert sorted(p.name for p in (out / "shards").iterdir()) == ["part-00000.jsonl", "part-00001.jsonl"]
    assert [e["documents"] for e in m["shards"]] == [8, 4] and shard_ids(out) == ids


def test_a_folder_another_run_writes_to_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fcntl = pytest.importorskip("fcntl")
    corpus = tmp_path / "corpus.jsonl"
    write_corpus(corpus, 2)
    out = tmp_path / "out"
    out.mkdir()
    held = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert predict(tmp_path / "no-model", corpus, out, "--shard-size", "5") == 1
    finally:
        os.close(held)
    assert capsys.readouterr().err == (f"argmine predict: error: model not found: {tmp_path / 'no-model'} "
                                       "(expected an exported model folder or a checkpoint)\n")
    (tmp_path / "model").mkdir()  # any folder: the lock is checked before the model loads
    held = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert predict(tmp_path / "model", corpus, out, "--shard-size", "5") == 1
    finally:
        os.close(held)
    assert capsys.readouterr().err == (f"argmine predict: error: another argmine predict is writing to {out}; "
                                       "wait for it to finish\n")
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(("extra", "message"), [
    (["--shard-size", "5"], "--shard-size writes shards to a folder: give --out DIR"),
    (["--shard-size", "0", "--out", "OUT"], "--shard-size must be at least 1, got 0"),
    (["--shard-size", "5", "--out", "OUT", "--format", "jsonl,brat"], "--shard-size writes jsonl or parquet shards"),
    (["--overwrite", "--out", "OUT"], "--overwrite applies to sharded output: give --shard-size N"),
    (["--format", "parquet", "--out", "OUT"], "--format parquet writes shards: give --shard-size N and --out DIR"),
    (["--progress-every", "-1"], "--progress-every must be 0 or more seconds, got -1"),
], ids=["no-out", "zero", "brat", "overwrite-alone", "parquet-alone", "negative-progress"])
def test_option_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str) -> None:
    corpus = tmp_path / "corpus.jsonl"
    write_corpus(corpus, 2)
    extra = [str(tmp_path / "out") if x == "OUT" else x for x in extra]
    assert main(["predict", "--model", str(tmp_path / "no-model"), *extra, str(corpus)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and message in err[0] and not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_run_killed_with_sigkill_resumes_without_loss_or_duplicates(tiny_model: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    ids = write_corpus(corpus, 3000, repeat=4)  # ~0.2 s a shard here, ~6 s in all: time to kill it midway
    out = tmp_path / "out"
    args = ["predict", "--model", str(tiny_model), "--id-field", "id", "--out", str(out), "--shard-size", "100",
            str(corpus)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled", "OMP_NUM_THREADS": "1"}
    with (tmp_path / "first.err").open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "argmine.cli", *args], cwd=REPO_ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    if manifest(out)["shards"]:
                        break
                except (OSError, ValueError):
                    pass
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, (tmp_path / "first.err").read_text()
    first = manifest(out)
    assert 1 <= len(first["shards"]) < 30 and first["complete"] is False

    done = run_argmine(*args, env={"OMP_NUM_THREADS": "1"}, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"resuming {out}: {first['documents']:,} documents in {len(first['shards'])} shard" in done.stderr
    m = manifest(out)
    assert m["complete"] is True and m["documents"] == 3000 and len(m["shards"]) == 30
    assert all(e["documents"] == 100 for e in m["shards"])
    assert all(e["sha256"] == file_sha256(out / e["file"]) for e in m["shards"])
    assert shard_ids(out) == ids  # each id exactly once, in input order
    assert not list(out.rglob("*.part"))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_lines_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    plain = Console(file=io.StringIO(), force_terminal=False)
    with Meter(total=100, done=40, every=30, console=plain, clock=clock) as meter:
        for _ in range(40):  # a line once 30 s have passed, none before
            clock.now += 1
            meter.advance(tokens=7)
        meter.note("argmine predict: x.txt: no such file or folder; skipped")
        clock.now += 21
        meter.advance()
    assert capsys.readouterr().err.splitlines() == [
        "argmine predict: 70/100 documents (70%), 1.0 documents/s, 7 tokens/s, ETA 0:00:30",
        "argmine predict: x.txt: no such file or folder; skipped",
        "argmine predict: 81/100 documents (81%), 0.7 documents/s, 5 tokens/s, ETA 0:00:28"]
    assert plain.file.getvalue() == ""  # type: ignore[attr-defined]


def test_progress_bar_on_a_terminal() -> None:
    clock = Clock()
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=150)
    with Meter(total=None, every=30, console=terminal, clock=clock) as meter:
        for _ in range(10):
            clock.now += 0.5
            meter.advance(tokens=20)
        meter.bar.refresh()
    assert "10 documents, 2.0 documents/s, 40 tokens/s" in screen.getvalue()
