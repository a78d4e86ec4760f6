"""The metrics under a real 2-process torch.distributed (gloo, CPU) group: compute() syncs the
count states so every rank reports the score of all documents."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from argmine.metrics import ComponentMetrics, RelationF1, TokenF1, span_prf

GOLD = [
    [(0, 10, "Claim"), (12, 20, "Premise")],
    [(0, 8, "Premise"), (9, 15, "Premise")],
    [(3, 9, "Claim")],
    [(0, 4, "Premise"), (5, 9, "Premise")],
]
PRED = [
    [(0, 10, "Claim"), (13, 20, "Premise")],
    [(0, 8, "Premise")],
    [(3, 8, "Premise")],
    [(0, 4, "Premise"), (5, 12, "Premise"), (20, 30, "Claim")],
]
SPANS = {"a": (0, 10, "Claim"), "b": (10, 20, "Premise")}


def _worker(rank: int, world: int, init_file: str, out_dir: str) -> None:
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    comp = ComponentMetrics(["Claim", "Premise"])
    rel = RelationF1(["support"], "overlap")
    tok = TokenF1(["O", "B", "I"])
    for k in range(rank, len(GOLD), world):  # rank 0: docs 0, 2; rank 1: docs 1, 3
        comp.update(PRED[k], GOLD[k])
        rel.update(
            [SPANS], [[("b", "a", "support")] if k % 2 else []], [SPANS], [[("b", "a", "support")]]
        )
        tok.update(torch.tensor([k % 3, 1]), torch.tensor([0, 1]))
    result = {**comp.compute(), "r_tp": rel.compute()["tp"], "t_n": tok.compute()["token_support"]}
    Path(out_dir, f"rank{rank}.json").write_text(json.dumps(result))
    dist.destroy_process_group()


@pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available")
@pytest.mark.skipif(sys.platform != "linux", reason="uses gloo file:// init (Linux only)")
@pytest.mark.slow  # two processes that import torch
def test_compute_syncs_across_two_processes(tmp_path: Path) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    args = (2, str(tmp_path / "init"), str(tmp_path))
    # spawn, not fork: forking a process whose torch/tokenizer threads already run can deadlock
    context = mp.start_processes(_worker, args=args, nprocs=2, join=False, start_method="spawn")
    deadline = time.monotonic() + 120
    while not context.join(timeout=1):
        if time.monotonic() > deadline:
            for proc in context.processes:
                proc.kill()
            pytest.fail("the two metric processes did not finish within 120 s")
    results = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    assert results[0] == results[1]
    exact = span_prf(PRED, GOLD, "exact", labels=["Claim", "Premise"])
    fifty = span_prf(PRED, GOLD, "overlap", 0.5, labels=["Claim", "Premise"])
    assert results[0]["c_f1_exact"] == exact["f1"]
    assert results[0]["c_f1_50"] == fifty["f1"]
    assert results[0]["r_tp"] == 2  # docs 1 and 3 (one on each rank) predict the gold relation
    assert results[0]["t_n"] == 8  # 4 documents x 2 tokens
