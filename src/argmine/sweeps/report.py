"""Report of an Optuna sweep: ``optuna_summary.{json,md}``, Optuna's plots as PNGs and one
self-contained ``optuna_report.html`` in the sweep folder.

:class:`OptunaReport` is a Hydra callback (registered by the ``hparams_search`` configs) that runs
when the multirun ends: it reads the study back from its storage (the sqlite file of the sweep
folder), so a resumed sweep reports every trial, not only those of the last call. When the
configured loggers include W&B and W&B is not disabled, the plots and the trial table are
logged to a W&B run of ``job_type=optuna-summary`` in the sweep's group.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import math
import warnings
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)


def study_summary(study: Any) -> dict[str, Any]:
    """Best trial and every trial (number, state, value, params, job folder) of a study."""
    trials = [
        {"number": t.number, "job": str(t.number), "state": t.state.name,
         "value": _clean(t.values[0]) if t.values and len(t.values) == 1 else None,
         "values": [_clean(v) for v in t.values] if t.values else None,
         "params": dict(t.params),
         "duration_s": t.duration.total_seconds() if t.duration is not None else None}
        for t in study.get_trials(deepcopy=False)
    ]
    complete = [t for t in trials if t["state"] == "COMPLETE" and t["value"] is not None]
    direction = ", ".join(d.name.lower() for d in study.directions)
    best = None
    if complete:
        pick = max if direction == "maximize" else min
        best = pick(complete, key=lambda t: t["value"])
    return {"study_name": study.study_name, "direction": direction,
            "n_trials": len(trials), "n_complete": len(complete), "best": best, "trials": trials}


def _clean(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def summary_markdown(summary: dict[str, Any], metric: str) -> str:
    names = sorted({k for t in summary["trials"] for k in t["params"]})
    lines = [f"# Optuna sweep `{summary['study_name']}`\n",
             f"{summary['n_complete']} of {summary['n_trials']} trial(s) complete; objective `{metric}` "
             f"({summary['direction']}).\n"]
    best = summary["best"]
    if best:
        lines.append(f"## Best: trial {best['number']}, {metric} = {best['value']:.4f}\n")
        lines += [f"- `{k}` = {v}" for k, v in sorted(best["params"].items())] + [""]
    lines.append("## Trials\n")
    lines.append("| trial | state | " + metric + " | " + " | ".join(names) + " |")
    lines.append("|---|---|---|" + "---|" * len(names))
    for t in summary["trials"]:
        value = "" if t["value"] is None else f"{t['value']:.4f}"
        params = [_fmt(t["params"].get(n)) for n in names]
        lines.append(f"| {t['number']} | {t['state']} | {value} | " + " | ".join(params) + " |")
    return "\n".join(lines) + "\n"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


#: the report's figures: file stem -> (title, Optuna's matplotlib plot function name)
FIGURES = {
    "optuna_history": ("Optimization history", "plot_optimization_history"),
    "optuna_importances": ("Parameter importances (fANOVA)", "plot_param_importances"),
    "optuna_parallel": ("Parallel coordinates", "plot_parallel_coordinate"),
    "optuna_slice": ("Each parameter against the objective", "plot_slice"),
    "optuna_intermediate": ("Value after each epoch (what the pruner sees)", "plot_intermediate_values"),
}


def plot_study(study: Any, folder: Path, metric: str) -> list[Path]:
    """Optuna's own plots of a single-objective study as PNGs in ``folder`` (see
    :data:`FIGURES`); a plot that needs more finished trials than the study has is left out."""
    # deferred: only writing a report draws plots
    import matplotlib

    matplotlib.use("Agg")
    # after use("Agg"), so that pyplot starts with the non-interactive backend
    import matplotlib.pyplot as plt
    import optuna.visualization.matplotlib as plots
    from optuna.exceptions import ExperimentalWarning

    if len(study.directions) > 1 or not any(t.value is not None for t in study.get_trials(deepcopy=False)
                                            if t.state.name == "COMPLETE"):
        return []
    paths = []
    for stem, (_, function) in FIGURES.items():
        if stem == "optuna_intermediate" and not any(t.intermediate_values for t in study.get_trials(deepcopy=False)):
            continue
        with warnings.catch_warnings():
            # Optuna marks its matplotlib plots experimental; matplotlib warns of one-point axes
            warnings.simplefilter("ignore", ExperimentalWarning)
            warnings.simplefilter("ignore", UserWarning)
            try:
                axes = getattr(plots, function)(study, target_name=metric) if function != "plot_intermediate_values" \
                    else plots.plot_intermediate_values(study)
            except (ValueError, RuntimeError) as exc:  # e.g. importances of a single finished trial
                log.info("Optuna report: %s left out (%s)", stem, exc)
                plt.close("all")
                continue
        figure = (axes.flat[0] if hasattr(axes, "flat") else axes).get_figure()
        figure.set_size_inches(max(6.0, figure.get_size_inches()[0]), max(4.0, figure.get_size_inches()[1]))
        paths.append(folder / f"{stem}.png")
        figure.savefig(paths[-1], dpi=100, bbox_inches="tight")
        plt.close("all")
    return paths


def report_html(summary: dict[str, Any], metric: str, folder: Path, plots: list[Path]) -> str:
    """One self-contained HTML page: the summary's tables and the plots inlined as PNG data."""
    body = [f"<h1>Optuna sweep <code>{html.escape(summary['study_name'])}</code></h1>",
            f"<p>{summary['n_complete']} of {summary['n_trials']} trial(s) complete; objective "
            f"<code>{html.escape(metric)}</code> ({html.escape(summary['direction'])}).</p>"]
    best = summary["best"]
    if best:
        body.append(f"<h2>Best: trial {best['number']}, {html.escape(metric)} = {best['value']:.4f}</h2><ul>")
        body += [f"<li><code>{html.escape(k)}</code> = {html.escape(_fmt(v))}</li>" for k, v in sorted(best["params"].items())]
        body.append("</ul><p>Train it again: <code>argmine train experiment=best.yaml</code> (in this folder).</p>")
    titles = {stem: title for stem, (title, _) in FIGURES.items()}
    for path in plots:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        body.append(f"<h2>{html.escape(titles.get(path.stem, path.stem))}</h2>"
                    f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">')
    names = sorted({k for t in summary["trials"] for k in t["params"]})
    head = "".join(f"<th>{html.escape(x)}</th>" for x in ["trial", "state", metric, *names])
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in [str(t["number"]), t["state"],
                                                              "" if t["value"] is None else f"{t['value']:.4f}",
                                                              *[_fmt(t["params"].get(n)) for n in names]]) + "</tr>"
        for t in summary["trials"])
    body.append(f"<h2>Trials</h2><table><tr>{head}</tr>{rows}</table>")
    style = "body{font-family:sans-serif;max-width:70em;margin:auto}table{border-collapse:collapse}" \
            "td,th{border:1px solid #ccc;padding:2px 6px}img{max-width:100%}"
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>Optuna sweep "
            f"{html.escape(summary['study_name'])}</title><style>{style}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def write_report(storage: str, study_name: str, folder: Path, metric: str) -> dict[str, Any]:
    """Write ``optuna_summary.json``, ``optuna_summary.md``, the plots (PNG) and
    ``optuna_report.html`` (all of it on one self-contained page) into ``folder``."""
    # deferred: this Hydra callback loads Optuna only when a sweep ends
    import optuna

    # deferred: training.pruning imports Lightning
    from argmine.training.pruning import make_storage

    study = optuna.load_study(study_name=study_name, storage=make_storage(storage))
    summary = study_summary(study)
    summary["metric"] = metric
    plots = plot_study(study, folder, metric)
    summary["plots"] = [p.name for p in plots]
    (folder / "optuna_summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (folder / "optuna_summary.md").write_text(summary_markdown(summary, metric), encoding="utf-8")
    (folder / "optuna_report.html").write_text(report_html(summary, metric, folder, plots), encoding="utf-8")
    return summary


def log_to_wandb(summary: dict[str, Any], folder: Path, wandb_cfg: Any) -> None:
    """Log the plots and the trial table to one W&B run in the sweep's group."""
    # deferred: only a report logged to W&B imports wandb
    import wandb

    # deferred: training.loggers imports Lightning
    from argmine.training.loggers import wandb_mode

    mode = wandb_mode(str(wandb_cfg.get("mode", "auto")))
    if mode == "disabled":
        return
    run = wandb.init(project=wandb_cfg.get("project") or "argmine", entity=wandb_cfg.get("entity"),
                     group=folder.name, name=f"{folder.name}-summary", job_type="optuna-summary",
                     dir=str(folder), mode=mode, reinit="finish_previous")
    names = sorted({k for t in summary["trials"] for k in t["params"]})
    table = wandb.Table(columns=["trial", "state", "value", *names],
                        data=[[t["number"], t["state"], t["value"], *[t["params"].get(n) for n in names]]
                              for t in summary["trials"]])
    page = wandb.Html((folder / "optuna_report.html").read_text(encoding="utf-8"))
    run.log({"optuna/trials": table, "optuna/report": page, **{f"optuna/{Path(p).stem}": wandb.Image(str(folder / p))
                                         for p in summary["plots"]}})
    if summary["best"]:
        run.summary["best_value"] = summary["best"]["value"]
        run.summary["best_params"] = summary["best"]["params"]
    run.finish()


class OptunaReport(Callback):
    """Hydra callback: write the Optuna sweep report when the multirun ends."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweeper = config.hydra.sweeper
        storage, study_name = sweeper.get("storage"), sweeper.get("study_name")
        folder = Path(config.hydra.sweep.dir)
        if not storage or not study_name or not folder.is_dir():
            log.warning("Optuna report skipped: no storage/study_name configured")
            return
        metric = str(config.get("optimized_metric") or "objective")
        summary = write_report(str(storage), str(study_name), folder, metric)
        log.info("Optuna summary of %d trial(s): %s", summary["n_trials"], folder / "optuna_summary.md")
        print(folder / "optuna_summary.md")
        wandb_cfg = (config.get("logger") or {}).get("wandb")
        if wandb_cfg is not None:
            try:
                log_to_wandb(summary, folder, wandb_cfg)
            except Exception as exc:  # noqa: BLE001 - the report on disk is what matters
                log.warning("could not log the Optuna report to W&B: %s", exc)
