"""The shape of every metric name argmine logs, checked without torch: a misspelled
``optimized_metric`` or ``monitor`` is refused before anything heavy is imported.

This is a grammar, not the list of one run's metrics: ``val/r_f1_exact`` is well formed even for
a components-only run, which does not log it. That finer check needs the built model
(:func:`argmine.training.config_check.check_metric_names`) and runs once the config is good.
"""

from __future__ import annotations

import re

from argmine.config_errors import nearest

_STAGE = r"(val|test)"
_VARIANT = r"(exact|50)"
#: a corpus of multi-corpus data (``data=multi``), or ``macro``: the mean over the corpora
_CORPUS = r"[a-z][a-z0-9_]*"
#: every family of names the taggers, the pair model and the pipeline log
FAMILIES = [
    re.compile(r"train/loss(_step|_epoch)?"),
    re.compile(rf"{_STAGE}/loss"),
    # components; a schema run adds its schema's name before the variant (c_f1_unified_exact)
    re.compile(rf"{_STAGE}/c_(f1|precision|recall|macro_f1)(_[a-z0-9]+)?_{_VARIANT}"),
    re.compile(rf"{_STAGE}/f1(_[a-z0-9]+)?_{_VARIANT}/.+"),
    # relations: Eger's per-unit protocol and argmine's document-level one (doc_)
    re.compile(rf"{_STAGE}/r_(f1|precision|recall|macro_f1)_(doc_)?{_VARIANT}(/.+)?"),
    # a structure model's selection aggregate: (C-F1 + Eger's R-F1) / 2
    re.compile(rf"{_STAGE}/cr_f1_{_VARIANT}"),
    re.compile(rf"{_STAGE}/token_(macro_f1|accuracy)"),
    # the pair model over gold components
    re.compile(rf"{_STAGE}/(type|link|stance)_(macro_f1|accuracy)"),
    # multi-corpus data: the aggregates per corpus and their macro mean (val/macro/c_f1_exact)
    re.compile(rf"{_STAGE}/{_CORPUS}/c_(f1|precision|recall|macro_f1)_{_VARIANT}"),
    re.compile(rf"{_STAGE}/{_CORPUS}/r_(f1|precision|recall|macro_f1)_(doc_)?{_VARIANT}"),
    re.compile(rf"{_STAGE}/{_CORPUS}/cr_f1_{_VARIANT}"),
    re.compile(rf"{_STAGE}/{_CORPUS}/token_(macro_f1|accuracy)"),
]
#: the names a did-you-mean chooses from
COMMON = sorted(
    {"train/loss"}
    | {f"{stage}/{name}" for stage in ("val", "test") for name in (
        "loss", "token_macro_f1", "token_accuracy",
        *(f"c_{kind}_{variant}" for kind in ("f1", "precision", "recall", "macro_f1") for variant in ("exact", "50")),
        *(f"r_{kind}_{variant}" for kind in ("f1", "precision", "recall")
          for variant in ("exact", "50", "doc_exact", "doc_50")),
        "cr_f1_exact", "cr_f1_50",
        *(f"{head}_{kind}" for head in ("type", "link", "stance") for kind in ("macro_f1", "accuracy")),
        *(f"macro/{name}" for name in ("c_f1_exact", "c_f1_50", "cr_f1_exact", "cr_f1_50", "token_macro_f1")),
    )}
)


def well_formed(name: str) -> bool:
    """Whether ``name`` has the shape of a metric argmine logs."""
    return any(family.fullmatch(name) for family in FAMILIES)


def problem(key: str, name: str) -> str | None:
    """One line for a metric name no argmine model logs (``None`` if well formed)."""
    if well_formed(name):
        return None
    close = nearest(name, COMMON)
    hint = f"did you mean {close}?" if close else "names look like val/c_f1_exact, val/r_f1_50, val/link_macro_f1"
    return f"{key}={name}: not a metric this run logs; {hint}"
