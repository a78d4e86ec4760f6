"""FastDropout: keep rate, scaling, gradient, eval identity, seeding."""

from __future__ import annotations

import pytest
import torch

from argmine.models.dropout import FastDropout, keep_mask


@pytest.mark.parametrize("p", [0.1, 0.5, 0.33])
def test_keep_rate_matches_p(p: float) -> None:
    torch.manual_seed(0)
    mask = keep_mask((1001, 999), p)
    assert mask.shape == (1001, 999) and mask.dtype == torch.bool
    assert mask.float().mean().item() == pytest.approx(1 - p, abs=0.003)


def test_scaling_gradient_eval_and_seed() -> None:
    drop = FastDropout(0.5)
    x = torch.ones(64, 33, requires_grad=True)
    torch.manual_seed(1)
    y = drop(x)
    assert set(y.unique().tolist()) == {0.0, 2.0}
    y.sum().backward()
    assert torch.equal(x.grad, y.detach())
    torch.manual_seed(1)
    assert torch.equal(drop(x), y)
    drop.eval()
    assert drop(x) is x
    assert FastDropout(0.0)(x) is x
    with pytest.raises(ValueError):
        FastDropout(1.0)
