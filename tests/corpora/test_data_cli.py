"""`argmine data stats|validate` on the bundled sample corpus and on small bad corpora."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from argmine.cli import main
from argmine.corpora import load_corpus


def _json(capsys) -> dict:
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # exactly one JSON object, nothing else on stdout
    return json.loads(out)


def test_stats_json_shape_and_counts(capsys) -> None:
    assert main(["data", "stats", "sample", "--json"]) == 0
    stats = _json(capsys)
    assert {"corpus", "documents", "tokens", "splits", "spans", "relations", "attributes"} <= set(stats)
    assert stats["corpus"] == "sample"
    assert stats["documents"] == 60
    assert stats["splits"] == {"train": 40, "dev": 10, "test": 10}
    assert stats["spans"] == {"claim": 125, "counter_argument": 60, "major_claim": 60, "premise": 191}
    assert stats["relations"] == {"attack": 120, "support": 256}
    assert stats["attributes"] == {}
    assert stats["by_split"]["dev"]["spans"] == {"claim": 21, "counter_argument": 10, "major_claim": 10, "premise": 30}
    assert sum(s["tokens"] for s in stats["by_split"].values()) == stats["tokens"]
    assert stats["tokenizer"] == "argmine.text.tokenize.word_spans"


def test_token_counts_are_the_words_and_punctuation_counted_by_hand(tmp_path: Path, capsys) -> None:
    template = load_corpus("sample").documents[0].to_dict()
    texts = {"train": "Cities should ban cars.",  # Cities should ban cars .
             "test": "They pollute the air, every day; 24 hours!"}  # They pollute the air , every day ; 24 hours !
    lines = [json.dumps(dict(template, id=split, text=text, spans=[], relations=[], partitions={}, split=split))
             for split, text in texts.items()]
    (tmp_path / "sample.jsonl").write_text("\n".join(lines) + "\n")
    assert main(["data", "stats", "sample", "--root", str(tmp_path), "--json"]) == 0
    stats = _json(capsys)
    assert stats["tokens"] == 5 + 11
    assert {split: s["tokens"] for split, s in stats["by_split"].items()} == {"train": 5, "test": 11}


def test_stats_split_and_unified_schema(capsys) -> None:
    assert main(["data", "stats", "sample", "--split", "test", "--schema", "unified", "--json"]) == 0
    stats = _json(capsys)
    assert stats["documents"] == 10 and stats["splits"] == {"test": 10}
    assert stats["relations"] == {"attack": 20, "support": 43}
    assert main(["data", "stats", "sample", "--split", "validation"]) == 1
    assert "has no split 'validation'; available: ['dev', 'test', 'train']" in capsys.readouterr().err


def test_stats_table(capsys) -> None:
    assert main(["data", "stats", "sample"]) == 0
    out = capsys.readouterr().out
    assert "sample (native labels)" in out
    assert "span counter_argument" in out and "relation support" in out
    assert "tokens counted with" in out


def test_attribute_counts(tmp_path: Path, capsys) -> None:
    doc = load_corpus("sample").documents[0].to_dict()
    doc["spans"][0]["attributes"] = {"stance": "For"}
    doc["spans"][1]["attributes"] = {"stance": "Against"}
    doc["spans"][2]["attributes"] = {"stance": "For"}
    (tmp_path / "sample.jsonl").write_text(json.dumps(doc) + "\n")
    assert main(["data", "stats", "sample", "--root", str(tmp_path), "--json"]) == 0
    assert _json(capsys)["attributes"] == {"stance": {"Against": 1, "For": 2}}


def test_missing_corpus_is_one_line(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("ARGMINE_DATA_DIR", str(tmp_path))
    assert main(["data", "stats", "aae2"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert "\n" not in err
    assert err.startswith(f"argmine data: error: corpus 'aae2' not found: looked in {tmp_path / 'aae2'}")
    assert "ARGMINE_DATA_DIR" in err and "License: UKP research-only" in err


def test_option_checks(capsys) -> None:
    assert main(["data", "stats", "sample", "--level", "paragraph"]) == 1
    assert "--level applies to aae2_conll only" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["data", "stats", "nosuchcorpus"])


def test_validate_clean_sample(capsys) -> None:
    assert main(["data", "validate", "sample", "--schema", "unified"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["sample: OK: 60 documents read, 0 error(s), 0 warning(s)"]


def test_validate_lists_every_problem(tmp_path: Path, capsys) -> None:
    good = load_corpus("sample").documents[0].to_dict()
    no_split = dict(good, id="b", split=None)
    bad_offsets = dict(good, id="c", spans=[{"id": "x", "start": 5, "end": 99999, "label": "claim"}])
    lines = [json.dumps(good), "{oops", json.dumps(no_split), json.dumps(bad_offsets)]
    (tmp_path / "sample.jsonl").write_text("\n".join(lines) + "\n")
    assert main(["data", "validate", "sample", "--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    path = tmp_path / "sample.jsonl"
    assert out[0].startswith(f"{path}:2: error: not valid JSON")
    assert out[1] == f"{path}:3: warning: document 'b' has no split"
    assert out[2].startswith(f"{path}:4: error: document 'c': span 'x' has offsets [5, 99999)")
    assert out[3] == "sample: INVALID: reading failed, 2 error(s), 1 warning(s)"


def test_validate_warnings_only_exit_zero(tmp_path: Path, capsys) -> None:
    good = load_corpus("sample").documents[0].to_dict()
    (tmp_path / "sample.jsonl").write_text(json.dumps(dict(good, split=None)) + "\n")
    assert main(["data", "validate", "sample", "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == (
        "sample: OK: 1 documents read, 0 error(s), 1 warning(s)"
    )


def test_validate_reports_unmapped_schema_labels(tmp_path: Path, capsys) -> None:
    good = load_corpus("sample").documents[0].to_dict()
    good["spans"][0]["label"] = "thesis"
    (tmp_path / "sample.jsonl").write_text(json.dumps(good) + "\n")
    schema = tmp_path / "strict.yaml"
    schema.write_text("span_labels: [claim]\ncorpora:\n  sample:\n    spans: [{label: claim, to: claim}]\n")
    assert main(["data", "validate", "sample", "--root", str(tmp_path), "--schema", str(schema)]) == 1
    out = capsys.readouterr().out
    assert f"{schema}: error: schema 'strict' ({schema}): corpus 'sample'" in out
    assert "no rule maps span label 'thesis'" in out


def test_data_command_does_not_import_torch() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from argmine.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['data', 'stats', 'sample', '--json', '--schema', 'unified']) == 0\n"
        "    assert main(['data', 'validate', 'sample']) == 0\n"
        "print(sorted(m for m in ('torch', 'lightning', 'hydra') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_console_script_json_only_on_stdout() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "argmine.cli", "data", "stats", "sample", "--json"],
        capture_output=True, text=True, check=True,
    )
    assert json.loads(out.stdout)["documents"] == 60
