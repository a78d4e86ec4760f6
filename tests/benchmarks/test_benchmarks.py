"""Smoke tests of the benchmark plumbing (``python -m benchmarks``) on tiny inputs; no timings."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # ``benchmarks`` is a top-level folder, not an installed package
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.__main__ import main  # noqa: E402
from benchmarks.bench_metrics import eger_f1  # noqa: E402
from benchmarks.common import Result, RssSampler, write_result  # noqa: E402
from benchmarks.report import render  # noqa: E402
from benchmarks.roofline import TokenCounter, encoder_flops_per_token, matmul_peak_gflops, roofline  # noqa: E402
from tests.conftest import require_module  # noqa: E402

TOP_KEYS = {"name", "ours", "baseline", "ratio", "command", "commit", "machine"}


def _check(path: Path, name: str) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) >= TOP_KEYS
    assert data["name"] == name
    for side in ("ours", "baseline"):
        assert data[side]["throughput"] > 0
        assert data[side]["seconds"] > 0
        assert "peak_rss_mib" in data[side]
        assert len(data[side]["seconds_per_run"]) == data[side]["runs"]
    assert data["ratio"] == pytest.approx(data["ours"]["throughput"] / data["baseline"]["throughput"], rel=1e-3)
    assert "nproc=" in data["machine"]
    return data


def test_eger_reference_matches_hand_worked_example() -> None:
    gold = [[(0, 4, "Claim"), (5, 9, "Premise")]]
    # exact hit, and a 3/5 overlap with the premise (0.6 > 0.5), plus one spurious claim
    pred = [[(0, 4, "Claim"), (6, 11, "Premise"), (12, 14, "Claim")]]
    assert eger_f1(pred, gold, None) == pytest.approx(2 * 1 / (2 * 1 + 2 + 1))
    assert eger_f1(pred, gold, 0.5) == pytest.approx(2 * 2 / (2 * 2 + 1 + 0))


def test_roofline_counts_flops_and_tokens() -> None:
    import torch

    # one layer, h=2, i=4: Q, K, V, O (4 x 2x2) + feed-forward (2 x 2x4) = 32 multiply-adds
    tiny = SimpleNamespace(hidden_size=2, intermediate_size=4, num_hidden_layers=1)
    assert encoder_flops_per_token(tiny) == 64
    minilm = SimpleNamespace(hidden_size=384, intermediate_size=1536, num_hidden_layers=6)
    assert encoder_flops_per_token(minilm) == 2 * 6 * (4 * 384**2 + 2 * 384 * 1536)
    assert roofline(tiny, tokens=1_000_000, seconds=2.0, peak_gflops=0.064) == {
        "encoder_tokens": 1_000_000, "gflops": 0.0, "share_of_peak": 0.5}

    class Encoder(torch.nn.Module):
        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return input_ids

    encoder = Encoder()
    counter = TokenCounter(training_only=True)
    encoder.register_forward_pre_hook(counter, with_kwargs=True)
    ids, mask = torch.zeros(2, 3), torch.tensor([[1, 1, 1], [1, 0, 0]])
    encoder.train()(input_ids=ids, attention_mask=mask)
    encoder.eval()(input_ids=ids, attention_mask=mask)  # not counted: training forwards only
    assert (counter.tokens, counter.padded, counter.steps) == (4, 6, 1)
    timed = TokenCounter()
    detach = timed.attach(encoder)
    encoder(input_ids=ids, attention_mask=mask)
    detach()
    encoder(input_ids=ids, attention_mask=mask)  # detached: not counted
    assert (timed.tokens, timed.steps) == (4, 1) and timed.seconds > 0
    assert 0 < matmul_peak_gflops(64, 32, 64, seconds=0.05) < 1e5


def test_c_f1_spread_and_seed_list() -> None:
    from benchmarks.bench_train_transformer import _seed_list, c_f1_spread

    spread = c_f1_spread([{"c_f1_exact": 0.30}, {"c_f1_exact": 0.34}, {"c_f1_exact": 0.32}])
    assert spread["c_f1_exact_mean"] == pytest.approx(0.32)
    assert spread["c_f1_exact_std"] == pytest.approx(0.02)  # sample std of .30/.34/.32
    assert spread["c_f1_exact_per_round"] == [0.30, 0.34, 0.32]
    assert "c_f1_overlap50_mean" not in spread  # only keys every run carries
    assert c_f1_spread([{"c_f1_exact": 0.3}, {}]) == {}
    assert _seed_list("1, 2,3") == [1, 2, 3]
    with pytest.raises(argparse.ArgumentTypeError, match="--seeds"):
        _seed_list("1,x")


def test_rss_sampler_sees_a_large_allocation() -> None:
    import mmap
    import time

    # fresh anonymous pages (a bytearray may reuse memory a long-lived test worker already holds)
    with RssSampler() as mem:
        block = mmap.mmap(-1, 64 * 2**20)
        for offset in range(0, len(block), 4096):
            block[offset] = 1
        time.sleep(0.05)  # the sampler reads every 5 ms
    block.close()
    assert mem.peak_mib is None or mem.peak_mib >= 32


def test_result_json_and_report(tmp_path: Path) -> None:
    ours = {"label": "a", "throughput_unit": "x/s", "runs": 1, "throughput": 4.0, "seconds": 0.5,
            "peak_rss_mib": 1.0, "seconds_per_run": [0.5]}
    base = {**ours, "label": "b", "throughput": 2.0, "seconds": 1.0, "seconds_per_run": [1.0]}
    path = write_result(Result("demo", ours, base, goal="g"), tmp_path)
    data = _check(path, "demo")
    assert data["ratio"] == 2.0
    text = render([data])
    assert "| demo | **2.00x** |" in text and data["commit"] in text


def test_unknown_name_exits_with_usage() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["nope"])
    assert exc.value.code == 2


@pytest.mark.corpora
def test_load_and_metrics_benchmarks(shared_corpora: Path, tmp_path: Path) -> None:
    root = str(shared_corpora / "aae2")
    main(["load", "--root", root, "--limit-docs", "2", "--repeat", "1", "--out-dir", str(tmp_path)])
    data = _check(tmp_path / "load.json", "load")
    assert data["ours"]["docs"] == data["baseline"]["docs"] == 4  # 2 train + 2 test essays
    main(["metrics", "--root", root, "--limit-docs", "2", "--repeat", "2", "--out-dir", str(tmp_path)])
    data = _check(tmp_path / "metrics.json", "metrics")
    assert data["extra"]["agree"] is True
    assert data["ours"]["f1_exact"] == data["baseline"]["f1_exact"]


@pytest.mark.corpora
def test_train_bilstm_benchmark(shared_corpora: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARGMINE_DATA_DIR", str(shared_corpora))
    main(["train_bilstm", "--limit-docs", "2", "--max-steps", "2", "--repeat", "1", "--out-dir", str(tmp_path)])
    data = _check(tmp_path / "train_bilstm.json", "train_bilstm")
    assert data["ours"]["steps"] == data["baseline"]["steps"] == 1  # 2 essays' paragraphs fit one batch
    assert data["ours"]["tokens"] == data["baseline"]["tokens"]
    assert 0 < data["ours"]["inside_share"] <= 1


@pytest.mark.corpora
@pytest.mark.slow
def test_train_transformer_benchmark(shared_corpora: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    require_module("accelerate", "the HF Trainer baseline needs it")
    monkeypatch.setenv("ARGMINE_DATA_DIR", str(shared_corpora))
    main(["train_transformer", "--limit-docs", "1", "--max-steps", "1", "--seeds", "3,4",
          "--out-dir", str(tmp_path), "data.batch_size=4"])
    data = _check(tmp_path / "train_transformer.json", "train_transformer")
    assert data["extra"]["seeds"] == [3, 4]
    assert "seeds 3,4" in data["notes"][0]
    assert data["ours"]["steps"] == data["baseline"]["steps"] == 1
    for side in ("ours", "baseline"):
        assert data[side]["runs"] == 2
        assert len(data[side]["c_f1_exact_per_round"]) == 2
        assert 0.0 <= data[side]["c_f1_exact_mean"] <= 1.0
