"""The missing-corpus message: where argmine looked, and hints that work as printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from argmine.corpora import corpus_root
from argmine.errors import CorpusNotFoundError


@pytest.mark.parametrize("name", ["cdcp", "microtexts"])
def test_a_download_hint_carries_the_checksum_it_needs(name: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # argmine has no pinned checksum for these archives: a hint without --sha256 would fail as printed
    monkeypatch.setenv("ARGMINE_DATA_DIR", str(tmp_path))
    with pytest.raises(CorpusNotFoundError) as info:
        corpus_root(name)
    message = str(info.value)
    assert f"looked in {tmp_path}" in message
    assert f"argmine data download {name}" in message and "--sha256 HEX" in message
    assert "data.root=" in message and "ARGMINE_DATA_DIR" in message  # train's key, not --root alone


def test_an_explicit_root_is_named_with_the_train_key(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotFoundError, match=r"point data.root= \(argmine train/eval\) or --root"):
        corpus_root("abstrct", tmp_path / "nowhere")
