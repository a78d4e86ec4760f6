"""Re-score finished tagger runs from their decoded predictions, without the model.

``python scripts/rescore_runs.py RUN [RUN ...]`` reads each run's resolved data config
(``<run>/.hydra/config.yaml``), rebuilds its gold units (corpus, schema, unit, splits: the same
data module the run trained with) and scores ``<run>/predictions/<stage>.jsonl`` against them
with the current metrics (:func:`argmine.metrics.update_document`): C-F1 and, for
``data.target=structure``, both R-F1 protocols, on the corpus's own types when the run used a
schema that maps back to them (as training scores; the schema-named ``c_*_{schema}_*`` scores
are not recomputed). Token scores need the decoded tags, which the
predictions do not keep, so they are not recomputed. When a metric protocol changes, this
gives every kept run's numbers under the new one.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from omegaconf import OmegaConf

from argmine.documents import Document
from argmine.errors import ArgmineError, ConfigError
from argmine.metrics import ComponentMetrics, format_metrics, update_document
from argmine.models.evaluation import gold_links
from argmine.schema import to_native


def read_documents(path: Path) -> dict[str, Document]:
    """The documents of a predictions jsonl file, by id."""
    if not path.is_file():
        raise ArgmineError(f"{path}: no predictions file (the run wrote none for this stage)")
    docs = {}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            try:
                doc = Document.from_dict(json.loads(line))
            except (ValueError, TypeError, KeyError) as exc:
                raise ArgmineError(f"{path}:{lineno}: not a prediction record ({exc})") from None
            docs[doc.id] = doc
    return docs


def run_datamodule(run_dir: Path) -> Any:
    """The run's data module, corpus prepared (no featurizer)."""
    path = run_dir / ".hydra" / "config.yaml"
    if not path.is_file():
        raise ConfigError(f"{run_dir}: not a run folder (no .hydra/config.yaml)")
    cfg = OmegaConf.load(path)
    data = OmegaConf.create(OmegaConf.to_container(cfg.data, resolve=True))
    datamodule = instantiate(data, _convert_="all")
    datamodule.prepare_corpus()
    return datamodule


def rescore_run(run_dir: Path, stage: str = "test") -> dict[str, float]:
    """``{stage}/...`` component and relation metrics of one run's kept predictions."""
    dm = run_datamodule(run_dir)
    predicted = read_documents(run_dir / "predictions" / f"{stage}.jsonl")
    structure = dm.target == "structure"
    labels = sorted({lab.split(":")[0] for lab in dm.tag_vocab.labels}) if structure else list(dm.tag_vocab.labels)
    native = dm.native_types()
    to_types = {k: (n, a) for k, (n, a) in native["labels"].items()} if native else {}
    scored = list(dict.fromkeys(to_types.get(lab, (lab,))[0] for lab in labels))
    metric = ComponentMetrics(scored, with_relations=structure)
    by_doc: dict[int, list[Any]] = defaultdict(list)
    for rec in dm.records[stage]:
        by_doc[rec.doc_index].append(rec)
    docs = dm.documents[stage]
    for doc_index, recs in sorted(by_doc.items()):
        recs.sort(key=lambda r: r.unit.start)
        doc = docs[doc_index]
        pred = predicted.get(doc.id)
        if pred is None:
            raise ArgmineError(f"{run_dir}: document {doc.id!r} of the {stage} split has no prediction")
        gold_spans = [s for r in recs for s in r.unit.spans]
        pred_relations = [r for r in pred.relations if "derived" not in r.attributes]
        update_document(
            metric,
            [r.unit.tokens for r in recs],
            to_native(pred.spans, to_types),
            to_native(gold_spans, to_types),
            pred_relations if structure else None,
            gold_links(doc, gold_spans) if structure else None,
        )
    return format_metrics(stage, metric.compute())


def summarize(per_run: Sequence[dict[str, float]], keys: Sequence[str]) -> dict[str, dict[str, float]]:
    """Mean, sample standard deviation and count of each key over runs."""
    out = {}
    for key in keys:
        values = [run[key] for run in per_run if key in run]
        if values:
            std = statistics.stdev(values) if len(values) > 1 else 0.0
            out[key] = {"mean": statistics.fmean(values), "std": std, "n": len(values)}
    return out
