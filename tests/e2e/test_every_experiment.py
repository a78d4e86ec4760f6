"""Every experiment config through the whole path a user takes, on a few documents.

With its default schema and with ``data.schema=unified`` (one experiment per corpus and model
family: ``UNIFIED_SAME_AS``): one real epoch on a handful of units
(``data.limit_documents``, ``trainer.limit_train_batches=2``; no ``fast_dev_run``, which writes
and restores no checkpoint), the checkpoint written and restored for testing, and, for the
taggers, the exported model, ``argmine eval`` of the checkpoint (it must reproduce the logged
test metrics) and ``argmine predict`` with the export. The pair models have no export yet (issue
"Pair and pipeline models export, predict and serve"): their path ends at the restored
checkpoint's test metrics.

The runs of one schema are one ``argmine train -m`` multirun (the imports are paid once); the
experiments that need the real corpora run only when ``$ARGMINE_SHARED_CORPORA`` is there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch
import yaml

import argmine
from argmine.io import prediction_record
from conftest import REPO_ROOT, missing, run_argmine

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]  # the first test makes the runs

CONFIGS = REPO_ROOT / "configs"
EXPERIMENTS = sorted(p.stem for p in (CONFIGS / "experiment").glob("*.yaml") if p.stem != "base")
BUNDLED = {"quickstart"}  # data ships with argmine; the others read the real corpora
# needs a tagger's predictions file: run end to end by tests/e2e/test_pipeline_cli.py
NEEDS_INPUT = {"aae2_paragraph_pipeline"}
# differ from the experiment named only in meta (paper numbers) or early-stopping patience: the
# same run (their composition is checked by tests/e2e/test_configs.py)
SAME_RUN_AS = {
    "aae2_paragraph_joint": "eger2017_stagblcc_paragraph",
    "aae2_essay_joint": "eger2017_stagblcc_essay",
    "aae2_gold_components": "stab2017_gold_components",
    "abstrct_gold_components": "mayer2020_abstrct_relations",
}
CV = {e for e in EXPERIMENTS if "override /cv:" in (CONFIGS / "experiment" / f"{e}.yaml").read_text()}
PLAIN = [e for e in EXPERIMENTS if e not in NEEDS_INPUT and e not in CV and e not in SAME_RUN_AS]
SCHEMAS = ["default", "unified"]
# the unified pass runs one experiment per corpus and model family (tagger over components, over
# Eger's structure labels, the transformer with its link head, the pair model): these repeat
# one of those with another unit or head only
UNIFIED_SAME_AS = {
    "eger2017_stagblcc_essay": "eger2017_stagblcc_paragraph",
    "argmine_aae2_essay": "argmine_aae2_paragraph",
    "eger2017_lstm_er_paragraph": "argmine_aae2_paragraph",
    "aae2_paragraph_transformer": "argmine_aae2_paragraph",
    "mayer2020_abstrct_relations": "stab2017_gold_components",
    "peldszus2015_microtexts": "stab2017_gold_components",
}
ONE_EPOCH = ["logger=none", "trainer.enable_progress_bar=false", "trainer.max_epochs=1", "trainer.min_epochs=1",
             "++trainer.limit_train_batches=2", "data.limit_documents=6", "callbacks.early_stopping=null"]
NEWS = REPO_ROOT / "tests" / "fixtures" / "news_dispute.txt"


def _corpora() -> Path:
    return Path(os.environ.get("ARGMINE_SHARED_CORPORA", REPO_ROOT.parent / "shared" / "corpora"))


def _run_config(run: Path) -> dict:
    """The resolved config of a run (a cross-validation fold's is its parent's)."""
    (saved,) = [p / ".hydra" / "config.yaml" for p in (run, run.parent) if (p / ".hydra" / "config.yaml").is_file()][:1]
    return yaml.safe_load(saved.read_text())


def _is_tagger(run: Path) -> bool:
    return _run_config(run)["model"]["_target_"] == "argmine.models.TaggerModule"


def _printed_runs(stdout: str, key: str) -> dict[str, Path]:
    """Run folders printed by ``argmine train|eval`` (one line per finished job), by the value
    of the override ``key`` that made them."""
    runs = {}
    for line in stdout.splitlines():
        path = Path(line.strip())
        if line.startswith("/") and (path / ".hydra" / "overrides.yaml").is_file():
            overrides = yaml.safe_load((path / ".hydra" / "overrides.yaml").read_text())
            (value,) = [o.split("=", 1)[1] for o in overrides if o.startswith(f"{key}=")]
            runs[value] = path
    return runs


class Runs:
    """Per schema, made on first use: the training runs by experiment, the ``argmine eval``
    runs of the taggers' best checkpoints by checkpoint path, and both multiruns' stderr."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.done: dict[str, tuple[dict[str, Path], dict[str, Path], str]] = {}

    def __call__(self, schema: str) -> tuple[dict[str, Path], dict[str, Path], str]:
        if schema not in self.done:
            self.done[schema] = self._make(schema)
        return self.done[schema]

    def _make(self, schema: str) -> tuple[dict[str, Path], dict[str, Path], str]:
        corpora = _corpora()
        env = {"ARGMINE_DATA_DIR": str(corpora)}
        names = [e for e in PLAIN if e in BUNDLED or corpora.is_dir()]
        if schema != "default":  # an experiment whose default is this schema was run already
            names = [e for e in names if self.schema_of(e) != schema and e not in UNIFIED_SAME_AS]
        root = self.factory.mktemp(f"every_{schema}")
        extra = [] if schema == "default" else [f"data.schema={schema}"]
        proc = run_argmine("train", "-m", f"experiment={','.join(names)}", *ONE_EPOCH, *extra,
                           f"paths.root_dir={root}", env=env, timeout=3000)
        trained = _printed_runs(proc.stdout, "experiment")
        best = [str(run / "checkpoints" / "best.ckpt") for run in trained.values() if _is_tagger(run)]
        evaluated: dict[str, Path] = {}
        if best:  # one multirun: the imports are paid once
            evals = run_argmine("eval", "-m", f"ckpt_path={','.join(best)}", f"paths.root_dir={root / 'eval'}",
                                "logger=none", "trainer.enable_progress_bar=false", "stages=[test]", env=env,
                                timeout=1200)
            evaluated = _printed_runs(evals.stdout, "ckpt_path")
            proc.stderr += evals.stderr
        return trained, evaluated, proc.stderr

    def schema_of(self, experiment: str) -> str:
        run = self("default")[0].get(experiment)
        return str(_run_config(run)["data"]["schema"]) if run else "?"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(tmp_path_factory)


def _check_run(run: Path, evaluated: dict[str, Path] | None, stderr: str, via_cli: bool = False) -> None:
    """The whole path of one run; ``evaluated``: its ``argmine eval`` runs by checkpoint (None:
    not evaluated); ``via_cli``: predict with ``argmine predict`` rather than in this process."""
    # the checkpoint was written, holds plain data only, and the test stage restored it
    best = run / "checkpoints" / "best.ckpt"
    assert best.is_file(), sorted(p.name for p in run.rglob("*.ckpt"))
    ckpt = torch.load(best, map_location="cpu", weights_only=True)
    metrics = json.loads((run / "metrics.json").read_text())
    assert any(k.startswith("test/") for k in metrics), sorted(metrics)
    if not _is_tagger(run):
        return
    assert ckpt["argmine"]["format"] == "argmine-tagger/1"
    model = run / "model"
    assert (model / "argmine.json").is_file() and (model / "weights.safetensors").is_file()
    if evaluated is not None:  # argmine eval of the checkpoint gives the logged test metrics back
        assert str(best) in evaluated, stderr[-3000:]
        logged = json.loads((evaluated[str(best)] / "metrics.json").read_text())
        assert logged == {k: v for k, v in metrics.items() if k.startswith("test/")}
    # prediction with the export: offsets hold; labels are the unified schema's (predict's
    # default), or the model's own where the unified schema has no rule for them. In this process
    # (argmine.load, what `argmine predict` runs) but for the bundled experiment, which goes
    # through the CLI: a process per model would pay the imports some twenty times
    if via_cli:
        proc = run_argmine("predict", "--model", str(model), "--format", "jsonl", str(NEWS))
        assert proc.returncode == 0, proc.stderr[-3000:]
        record = json.loads(proc.stdout)
    else:
        record = prediction_record(argmine.load(str(model))(NEWS.read_text(encoding="utf-8"), doc_id="news"))
    own = {lab.split(":")[0] for lab in json.loads((model / "argmine.json").read_text())["tag_vocab"]["labels"]}
    labels = own | {"major_claim", "claim", "premise", "counter_argument"}
    for span in record["spans"]:
        assert record["text"][span["start"]:span["end"]] == span["text"]
        assert span["label"] in labels, (span, labels)


@pytest.mark.parametrize(("experiment", "schema"),
                         [(e, schema) for schema in SCHEMAS for e in PLAIN
                          if schema == "default" or e not in UNIFIED_SAME_AS])
def test_experiment_trains_checkpoints_tests_exports_evaluates_predicts(
    experiment: str, schema: str, runs: Runs,
) -> None:
    if experiment not in BUNDLED and not _corpora().is_dir():
        missing(f"real corpora not found at {_corpora()} (set ARGMINE_SHARED_CORPORA)")  # fails under CI=true
    if schema != "default" and runs.schema_of(experiment) == schema:
        pytest.skip(f"{experiment}'s default schema is {schema}: run above")
    trained, evaluated, stderr = runs(schema)
    assert experiment in trained, stderr[-3000:]
    _check_run(trained[experiment], evaluated, stderr, via_cli=experiment in BUNDLED)


@pytest.mark.parametrize("experiment", sorted(CV))
def test_cross_validation_experiment_runs_one_fold_through_the_whole_path(
    experiment: str, shared_corpora: Path, tmp_path: Path,
) -> None:
    """One fold: trained, checkpoint restored for its test, exported, predicted with. Not
    ``argmine eval``: a fold of 6 documents can have test labels its model never saw, which eval
    refuses with one line (tests/e2e/test_eval_label_sets.py)."""
    proc = run_argmine("train", f"experiment={experiment}", *ONE_EPOCH, "cv.limit_folds=1",
                       f"paths.root_dir={tmp_path}", env={"ARGMINE_DATA_DIR": str(shared_corpora)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = [p.parent for p in tmp_path.rglob("metrics.json") if (p.parent / "checkpoints").is_dir()]
    _check_run(run, None, proc.stderr)
