"""Corrupt, empty, truncated or missing model files: one :class:`CheckpointError` whose message
names the file and says what is wrong with it, and ``argmine predict`` prints that as one line.

A tiny BiLSTM tagger is exported in-process (no training, no download); each test damages a copy.
"""

from __future__ import annotations

import io
import re
import shutil
from functools import partial
from pathlib import Path

import pytest
import torch

from argmine.cli import main
from argmine.encoding.features import WordCharFeaturizer
from argmine.encoding.tags import TagVocab
from argmine.errors import CheckpointError
from argmine.models.bilstm_cnn_crf import BiLSTMCNNCRF
from argmine.models.export import (
    MODEL_FILE,
    WEIGHTS_FILE,
    export_model,
    load_module,
    read_checkpoint,
)
from argmine.models.module import TaggerModule
from conftest import run_argmine

RE_EXPORT = "; re-export the model"


class NotAllowed:
    """A class ``weights_only`` loading refuses to unpickle."""


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    featurizer = WordCharFeaturizer().fit([["We", "should", "ban", "cars", "."]])
    module = TaggerModule(partial(BiLSTMCNNCRF, hidden_size=8), None, featurizer, TagVocab(["claim"], "BIO"))
    folder = export_model(module, tmp_path_factory.mktemp("tiny") / "model", extra={"unit": "paragraph"})
    assert load_module(folder).net is not None  # intact, it loads
    return folder


@pytest.fixture
def model(exported: Path, tmp_path: Path) -> Path:
    """A copy of the exported model that a test may damage."""
    return Path(shutil.copytree(exported, tmp_path / "model"))


def checkpoint_bytes(obj: object) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def error_of(path: Path) -> str:
    with pytest.raises(CheckpointError) as info:
        load_module(path)
    message = str(info.value)
    assert "\n" not in message, message
    return message


def weights_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (weights_half, r"not a valid safetensors file \(truncated or corrupt: [^)]+\)"),
        (lambda p: p.write_bytes(p.read_bytes()[:5]), r"not a valid safetensors file \(truncated or corrupt: [^)]+\)"),
        (lambda p: p.write_bytes(b""), r"empty file \(0 bytes\), not a valid safetensors file"),
        (lambda p: p.write_text("hello world, no weights here\n" * 4), r"not a valid safetensors file "
         r"\(it starts with text 'hello world, no weights here hello world'\)"),
        (lambda p: p.write_bytes(bytes(range(256))), r"not a valid safetensors file \(truncated or corrupt: [^)]+\)"),
    ],
    ids=["truncated", "cut-in-header", "empty", "text", "garbage-bytes"],
)
def test_damaged_weights_name_the_file_and_the_problem(model: Path, damage, problem: str) -> None:
    weights = model / WEIGHTS_FILE
    damage(weights)
    assert re.fullmatch(f"{re.escape(str(weights))}: {problem}{re.escape(RE_EXPORT)}", error_of(model))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", r"unreadable model description: empty file \(0 bytes\)"),
        (b'{"format": "argmine-tagger/1", "net": {', r"unreadable model description: not valid JSON \(.+\)"),
        (b"\xff\xfe\x00garbage", r"unreadable model description: not valid JSON \(.+\)"),
        (b"[1, 2]", r"not an argmine model description \(a JSON object with a 'format' key\)"),
    ],
    ids=["empty", "truncated", "binary", "not-an-object"],
)
def test_damaged_description_names_the_file_and_the_problem(model: Path, content: bytes, problem: str) -> None:
    description = model / MODEL_FILE
    description.write_bytes(content)
    assert re.fullmatch(f"{re.escape(str(description))}: {problem}{re.escape(RE_EXPORT)}", error_of(model))


@pytest.mark.parametrize("name", [MODEL_FILE, WEIGHTS_FILE])
def test_a_missing_file_of_the_export_is_named(model: Path, name: str) -> None:
    (model / name).unlink()
    assert error_of(model) == f"{model / name}: file missing, the exported model is incomplete{RE_EXPORT}"


def test_a_folder_without_either_file_is_not_an_export(tmp_path: Path) -> None:
    assert error_of(tmp_path).startswith(f"{tmp_path} is not an exported argmine model (expected {MODEL_FILE} and")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file (0 bytes), not a PyTorch checkpoint"),
        (b"hello\n", "not a PyTorch checkpoint (it starts with text 'hello')"),
        (b"epoch=3 step=120\nval_loss=0.5\n", "not a PyTorch checkpoint (it starts with text 'epoch=3 step=120 val_loss=0.5')"),
        (b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\n",
         "not a PyTorch checkpoint (it starts with text 'version https://git-lfs.github.com/spec/')"),
        (b"\x00\x01\x02\x03\xfe\xff", "not a PyTorch checkpoint (unrecognised content starting with bytes 00 01 02 03 fe ff)"),
        (b"\x80\x02garbage", None),
    ],
    ids=["empty", "text-101", "text-pop", "lfs-pointer", "binary", "legacy-pickle-corrupt"],
)
def test_unreadable_checkpoint_says_why(tmp_path: Path, content: bytes, message: str | None) -> None:
    path = tmp_path / "best.ckpt"
    path.write_bytes(content)
    got = error_of(path)
    if message is None:
        assert re.fullmatch(rf"{re.escape(str(path))}: truncated or corrupt checkpoint \([^)]+\); save or copy it again",
                            got)
    else:
        assert got == f"{path}: {message}"


def test_truncated_checkpoint_says_truncated_or_corrupt(tmp_path: Path) -> None:
    data = checkpoint_bytes({"state_dict": {"net.w": torch.zeros(64)}, "argmine": {}})
    path = tmp_path / "last.ckpt"
    for size in (len(data) // 2, 40):
        path.write_bytes(data[:size])
        with pytest.raises(CheckpointError) as info:
            read_checkpoint(path)
        assert re.fullmatch(rf"{re.escape(str(path))}: truncated or corrupt checkpoint \(.*zip archive[^)]*\); "
                            "save or copy it again", str(info.value))


def test_checkpoint_with_an_unsafe_object_names_it_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "unsafe.ckpt"
    path.write_bytes(checkpoint_bytes({"argmine": NotAllowed()}))
    message = error_of(path)
    assert message.startswith(f"{path}: cannot load checkpoint safely: Unsupported global: ")
    assert f"{__name__}.NotAllowed" in message


def test_checkpoint_that_is_not_a_dict(tmp_path: Path) -> None:
    path = tmp_path / "tensor.ckpt"
    path.write_bytes(checkpoint_bytes(torch.zeros(3)))
    assert error_of(path) == f"{path}: not a Lightning checkpoint (it holds a Tensor, not a dict)"


def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "input.txt"
    path.write_text("We should ban cars because they pollute.\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("damage", "target", "reason"),
    [
        (weights_half, WEIGHTS_FILE, "not a valid safetensors file (truncated or corrupt: "),
        (lambda p: p.write_bytes(b""), WEIGHTS_FILE, "empty file (0 bytes), not a valid safetensors file"),
        (lambda p: p.unlink(), MODEL_FILE, "file missing"),
        (lambda p: p.write_text("{", encoding="utf-8"), MODEL_FILE, "unreadable model description: not valid JSON"),
    ],
    ids=["truncated-weights", "empty-weights", "missing-json", "corrupt-json"],
)
def test_predict_on_a_damaged_export_prints_one_line(model: Path, tmp_path: Path, capsys, damage, target: str,
                                                     reason: str) -> None:
    damage(model / target)
    assert main(["predict", "--model", str(model), str(text_file(tmp_path))]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"argmine predict: error: {model / target}: {reason}"), err


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty file (0 bytes), not a PyTorch checkpoint"),
     (b"hello\n", "not a PyTorch checkpoint (it starts with text 'hello')")],
    ids=["empty", "text"],
)
def test_predict_on_a_bad_checkpoint_prints_one_line(tmp_path: Path, capsys, content: bytes, reason: str) -> None:
    path = tmp_path / "best.ckpt"
    path.write_bytes(content)
    assert main(["predict", "--model", str(path), str(text_file(tmp_path))]) == 1
    _, err = capsys.readouterr()
    assert err == f"argmine predict: error: {path}: {reason}\n"


def test_predict_subprocess_on_truncated_weights_exits_1_without_traceback(model: Path, tmp_path: Path) -> None:
    weights_half(model / WEIGHTS_FILE)
    proc = run_argmine("predict", "--model", str(model), str(text_file(tmp_path)), timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert re.fullmatch(rf"argmine predict: error: {re.escape(str(model / WEIGHTS_FILE))}: not a valid safetensors "
                        rf"file \(truncated or corrupt: [^)]+\){re.escape(RE_EXPORT)}\n", proc.stderr), proc.stderr
