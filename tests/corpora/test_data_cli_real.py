"""`argmine data stats|validate` and the unified schema on the real corpora (ARGMINE_SHARED_CORPORA)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from argmine.cli import main

pytestmark = pytest.mark.corpora


def _stats(capsys, *argv: str) -> dict:
    assert main(["data", "stats", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_aae2_stats(shared_corpora: Path, capsys) -> None:
    stats = _stats(capsys, "aae2", "--root", str(shared_corpora / "aae2"))
    assert stats["documents"] == 402
    assert stats["splits"] == {"train": 322, "test": 80}
    assert stats["spans"] == {"MajorClaim": 751, "Claim": 1506, "Premise": 3832}
    assert stats["attributes"] == {"stance": {"For": 1228, "Against": 278}}
    assert stats["relations"] == {"supports": 3613, "attacks": 219}
    assert stats["by_split"]["test"]["spans"] == {"MajorClaim": 153, "Claim": 304, "Premise": 809}


def test_aae2_unified(shared_corpora: Path, capsys) -> None:
    stats = _stats(capsys, "aae2", "--root", str(shared_corpora / "aae2"), "--schema", "unified")
    assert stats["spans"] == {"major_claim": 751, "claim": 1228, "counter_argument": 278, "premise": 3832}
    assert stats["relations"] == {"support": 3613, "attack": 219}


def test_aae2_conll_paragraph_level_unified(shared_corpora: Path, capsys) -> None:
    stats = _stats(capsys, "aae2_conll", "--root", str(shared_corpora / "aae2_conll_eger2017"),
                   "--level", "paragraph", "--schema", "unified")
    assert stats["splits"] == {"train": 286, "dev": 36, "test": 80}
    assert stats["spans"] == {"major_claim": 751, "claim": 1228, "counter_argument": 278, "premise": 3832}
    assert stats["relations"] == {"support": 3613, "attack": 219}


def test_abstrct_stats_and_unified(shared_corpora: Path, capsys) -> None:
    root = str(shared_corpora / "abstrct")
    stats = _stats(capsys, "abstrct", "--root", root, "--split", "glaucoma_test")
    assert stats["documents"] == 100
    assert stats["spans"] == {"MajorClaim": 7, "Claim": 183, "Premise": 404}
    assert stats["relations"] == {"Support": 334, "Attack": 7, "Partial-Attack": 26}
    stats = _stats(capsys, "abstrct", "--root", root, "--schema", "unified")
    assert stats["splits"] == {"train": 350, "dev": 50, "test": 100, "glaucoma_test": 100, "mixed_test": 100}
    assert stats["relations"] == {"support": 2402, "attack": 70 + 285}


def test_cdcp_unified(shared_corpora: Path, capsys) -> None:
    stats = _stats(capsys, "cdcp", "--root", str(shared_corpora / "cdcp"), "--schema", "unified")
    assert stats["splits"] == {"train": 581, "test": 150}
    # policy+value = 815+2182 claims; fact+testimony+reference = 786+1117+32 premises
    assert stats["spans"] == {"claim": 2997, "premise": 1935}
    assert stats["relations"] == {"support": 1353 + 73}
    assert stats["attributes"] == {} and stats["attributes_omitted"] == {"url": 32}


@pytest.mark.parametrize(
    ("part", "spans", "relations"),
    [
        ("1", {"major_claim": 112, "claim": 199, "premise": 140, "counter_argument": 125},
         {"support": 263 + 9 + 21, "attack": 108 + 63}),
        ("2", {"major_claim": 171, "claim": 314, "premise": 321, "counter_argument": 126},
         {"support": 467 + 23 + 57, "attack": 137 + 77}),
    ],
)
def test_microtexts_unified(shared_corpora: Path, capsys, part, spans, relations) -> None:
    stats = _stats(capsys, "microtexts", "--root", str(shared_corpora / "arg_microtexts"),
                   "--part", part, "--schema", "unified")
    assert stats["spans"] == spans  # every ADU kept: 576 (part 1) / 932 (part 2)
    assert stats["relations"] == relations  # every edge kept


def test_validate_real_corpora(shared_corpora: Path, capsys) -> None:
    assert main(["data", "validate", "aae2", "--root", str(shared_corpora / "aae2"), "--schema", "unified"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("aae2: OK: 402 documents read, 0 error(s), ")
    assert all(": warning: " in line for line in out[:-1])


def test_microtexts_without_part_says_it_reads_part_1(shared_corpora: Path, capsys) -> None:
    assert main(["data", "stats", "microtexts", "--root", str(shared_corpora / "arg_microtexts"), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["spans"] == {"ADU": 576}
    assert "microtexts part 1 (the default; --part 2 reads part 2)" in captured.err
