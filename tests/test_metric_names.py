"""The shape of argmine's metric names: every name a real model logs fits it, a misspelled one
does not and gets the nearest name."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir

from argmine.config_path import configs_dir
from argmine.metric_names import problem, well_formed


@pytest.mark.parametrize(("name", "message"), [
    ("val/c_f1_exat", "did you mean val/c_f1_exact?"),
    ("val/r_f1_exakt", "did you mean val/r_f1_exact?"),
    ("val/link_macro_f", "did you mean val/link_macro_f1?"),
    ("valid/c_f1_exact", "did you mean val/c_f1_exact?"),
    ("c_f1_exact", "did you mean val/c_f1_exact?"),
])
def test_a_misspelled_name_is_refused_with_the_nearest(name: str, message: str) -> None:
    assert not well_formed(name)
    assert problem("optimized_metric", name) == f"optimized_metric={name}: not a metric this run logs; {message}"


def _logged(overrides: list[str]) -> set[str]:
    # deferred: building a model imports torch (the grammar itself does not)
    from argmine.training.train import build_datamodule, build_model

    with initialize_config_dir(config_dir=str(configs_dir()), version_base="1.3"):
        cfg = compose("train", overrides=[*overrides, "data.limit_documents=4"])
    return build_model(cfg.model, build_datamodule(cfg.data)).logged_metric_names()


@pytest.mark.parametrize("overrides", [
    ["experiment=quickstart"],
    ["experiment=quickstart", "model=transformer"],
    ["experiment=quickstart", "data.schema=unified"],
])
def test_every_name_the_bundled_models_log_is_well_formed(overrides: list[str]) -> None:
    names = _logged(overrides)
    assert "val/c_f1_exact" in names
    assert [n for n in names if not well_formed(n)] == []


@pytest.mark.slow
@pytest.mark.parametrize("experiment", ["argmine_aae2_paragraph", "stab2017_gold_components", "mayer2020_abstrct",
                                        "cdcp_joint"])
def test_every_name_the_corpus_models_log_is_well_formed(experiment: str, shared_corpora: object,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARGMINE_DATA_DIR", str(shared_corpora))
    names = _logged([f"experiment={experiment}"])
    assert [n for n in names if not well_formed(n)] == []
