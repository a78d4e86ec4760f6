"""Hydra sweep syntax to Optuna distributions, the trial overrides built from them, and the
refusal of a stored study with another search space or direction."""

from __future__ import annotations

import optuna
import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from argmine.errors import ConfigError
from argmine.sweeps.optuna import check_same_study, grid_of
from argmine.sweeps.search_space import parse_search_space, space_signature, trial_overrides


def test_each_sweep_form_becomes_its_distribution() -> None:
    space, fixed = parse_search_space([
        "model.optimizer.lr=tag(log, interval(0.0003, 0.01))",
        "model.net.hidden_size=choice(50, 100, 150)",
        "model.net.num_layers=range(1, 4)",
        "data.batch_size=tag(log, range(8, 65, 8))",
        "model.net.dropout=interval(0.1, 0.6)",
        "model.net.char_filters=tag(int, interval(10, 100))",
        "trainer.max_epochs=3",
    ])
    assert space == {
        "model.optimizer.lr": FloatDistribution(0.0003, 0.01, log=True),
        "model.net.hidden_size": CategoricalDistribution([50, 100, 150]),
        "model.net.num_layers": IntDistribution(1, 3),
        "data.batch_size": IntDistribution(8, 64, log=True),
        "model.net.dropout": FloatDistribution(0.1, 0.6),
        "model.net.char_filters": IntDistribution(10, 100),
    }
    assert fixed == {"trainer.max_epochs": "trainer.max_epochs=3"}


def test_a_float_range_keeps_its_step_and_excludes_its_stop() -> None:
    space, _ = parse_search_space(["model.net.dropout=range(0.1, 0.5, 0.1)"])
    dist = space["model.net.dropout"]
    assert isinstance(dist, FloatDistribution) and dist.step == pytest.approx(0.1)
    assert (dist.low, dist.high) == pytest.approx((0.1, 0.4))


def test_a_later_argument_replaces_an_earlier_one() -> None:
    """The command line comes after hydra.sweeper.params: fixing a parameter there removes it."""
    space, fixed = parse_search_space(["model.net.dropout=interval(0.1, 0.6)", "model.net.dropout=0.2"])
    assert space == {} and fixed == {"model.net.dropout": "model.net.dropout=0.2"}


@pytest.mark.parametrize(("argument", "message"), [
    ("a=interval(0.5, 0.1)", "hydra.sweeper.params.a: interval(0.5, 0.1) is empty"),
    ("a=tag(log, interval(0.0, 1.0))", "not positive, which a log scale needs"),
    ("a=range(5, 1)", "hydra.sweeper.params.a: range(5, 1, 1) is empty"),
    ("a=choice([1, 2], [3])", "choice() takes plain values"),
])
def test_a_bad_sweep_is_one_error_naming_the_key(argument: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_search_space([argument])
    assert message in str(err.value)


def test_trial_overrides_parse_back_to_the_sampled_values() -> None:
    params = {"model.optimizer.lr": 0.00123456789, "model.net.hidden_size": 100, "model.name": "it's: a/b",
              "data.lowercase": True, "model.net.extra": None}
    overrides = trial_overrides(params, {"trainer.max_epochs": "trainer.max_epochs=3"})
    parsed = {o.get_key_element(): o.value() for o in OverridesParser.create().parse_overrides(overrides)}
    assert parsed == {**params, "trainer.max_epochs": 3}


def test_grid_of_lists_every_value_and_refuses_an_interval() -> None:
    space, _ = parse_search_space(["a=choice(x, y)", "b=range(1, 7, 2)"])
    assert grid_of(space) == {"a": ["x", "y"], "b": [1, 3, 5]}
    with pytest.raises(ConfigError, match="hydra.sweeper.params.c: a grid sampler needs choice"):
        grid_of(parse_search_space(["c=interval(0.1, 0.2)"])[0])


def test_a_stored_study_with_another_space_or_direction_is_refused() -> None:
    space, _ = parse_search_space(["a=choice(1, 2)", "b=interval(0.1, 0.2)"])
    study = optuna.create_study(study_name="s", directions=["maximize"])
    study.set_user_attr("argmine_search_space", space_signature(space))
    check_same_study(study, ["maximize"], space, "sqlite:///x.db")  # the same: accepted
    other, _ = parse_search_space(["a=choice(1, 2, 3)", "b=interval(0.1, 0.2)"])
    with pytest.raises(ConfigError, match=r"study 's' in sqlite:///x.db has another search space \(differs in a\)"):
        check_same_study(study, ["maximize"], other, "sqlite:///x.db")
    with pytest.raises(ConfigError, match=r"optimizes \['maximize'\], not \['minimize'\]"):
        check_same_study(study, ["minimize"], space, "sqlite:///x.db")
