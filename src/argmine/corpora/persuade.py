"""Reader for Feedback Prize 2021 / PERSUADE essays (CSV of discourse elements plus texts).

Two layouts are accepted in ``root``:

- Kaggle Feedback Prize 2021: ``train.csv`` with ``id, discourse_id, discourse_start,
  discourse_end, discourse_text, discourse_type, discourse_type_num, predictionstring`` and the
  essays in ``train/<id>.txt``.
- PERSUADE 2.0: one CSV with the essay in a ``full_text`` column (id column ``essay_id_comp``,
  ``essay_id`` or ``id``). Used when ``train.csv`` is absent and the folder holds exactly one CSV.

What the reader makes of it:

- One span per row, label = ``discourse_type`` (Lead, Position, Claim, Counterclaim, Rebuttal,
  Evidence, Concluding Statement). PERSUADE 2.0's ``Unannotated`` rows are skipped (they mark
  text that is not a discourse element). ``discourse_start``/``discourse_end`` are character
  offsets (Kaggle writes them as floats like ``8.0``); spans are trimmed to non-whitespace.
- Kaggle's ``discourse_text`` does not always equal ``text[start:end]``: it is compared after
  whitespace normalisation and a mismatch is a *warning* (the offsets are kept; they are what
  the ``predictionstring`` was computed from). An end offset past the end of the text is clipped
  with a warning.
- ``attributes``: ``discourse_id``, ``discourse_type_num``, ``predictionstring`` (word indices of
  ``text.split()``) and ``discourse_effectiveness`` when those columns exist.
- Paragraph partitions are the non-blank lines of the essay (all labelled ``paragraph``).
- Split: the ``split`` column if there is one (else PERSUADE 2.0's ``competition_set``, which
  is ``train``/``test``), else ``train`` (Kaggle released only its train set with labels).
"""

from __future__ import annotations

import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

from argmine.corpora import Corpus
from argmine.corpora._problemlog import ProblemLog
from argmine.documents import Document, Span
from argmine.errors import CorpusFormatError, CorpusNotFoundError

LABELS = ("Lead", "Position", "Claim", "Counterclaim", "Rebuttal", "Evidence", "Concluding Statement")
SKIPPED = ("Unannotated",)
ID_COLUMNS = ("id", "essay_id_comp", "essay_id")
REQUIRED = ("discourse_start", "discourse_end", "discourse_type")
EXTRA_ATTRIBUTES = ("discourse_id", "discourse_type_num", "predictionstring", "discourse_effectiveness")


def load_persuade(root: str | Path, *, strict: bool = True) -> Corpus:
    """Read the Kaggle layout (``train.csv`` + ``train/*.txt``) or a PERSUADE 2.0 CSV."""
    root = Path(root)
    csv_path = _find_csv(root)
    log = ProblemLog(strict)
    rows, full_texts = _read_rows(csv_path, log)
    documents = []
    for essay, essay_rows in rows.items():
        if full_texts:
            text = full_texts[essay]
        else:
            txt = root / "train" / f"{essay}.txt"
            if not txt.is_file():
                log.error(csv_path, essay_rows[0][0], f"essay {essay!r}: text file {txt} not found")
                continue
            try:
                text = txt.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                log.error(txt, None, f"not UTF-8: {exc.reason}")
                continue
        doc = _document(essay, text, essay_rows, csv_path, log)
        if doc is not None:
            documents.append(doc)
    return Corpus(name="persuade", documents=documents, problems=log.finish(),
                  metadata={"source": str(csv_path)})


def _read_rows(
    csv_path: Path, log: ProblemLog
) -> tuple[dict[str, list[tuple[int, dict[str, str]]]], dict[str, str]]:
    """Rows grouped by essay id (with their first line number), and ``full_text`` per essay."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    rows: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    full_texts: dict[str, str] = {}
    line = 1
    with csv_path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        try:
            header = reader.fieldnames or []
            id_col = next((c for c in ID_COLUMNS if c in header), None)
            missing = [c for c in REQUIRED if c not in header] + ([] if id_col else ["id"])
            if missing:
                raise CorpusFormatError(csv_path, 1, f"header lacks columns {missing}; found {header}")
            for row in reader:
                row_line, line = line + 1, reader.line_num  # first physical line of this record
                if None in row or any(v is None for v in row.values()):
                    log.error(csv_path, row_line, f"expected {len(header)} columns")
                    continue
                essay = row[id_col]
                rows[essay].append((row_line, row))
                if "full_text" in header and essay not in full_texts:
                    full_texts[essay] = row["full_text"]
        except (UnicodeDecodeError, csv.Error) as exc:
            log.error(csv_path, line + 1, f"unreadable CSV: {exc}")
    return rows, full_texts


def _find_csv(root: Path) -> Path:
    if (root / "train.csv").is_file():
        return root / "train.csv"
    found = sorted(root.glob("*.csv"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise CorpusNotFoundError(f"no train.csv (Kaggle layout) or PERSUADE CSV in {root}")
    raise CorpusNotFoundError(
        f"several CSV files in {root} and no train.csv: {[p.name for p in found]}; keep one"
    )


def _document(
    essay: str, text: str, essay_rows: list[tuple[int, dict[str, str]]], path: Path, log: ProblemLog
) -> Document | None:
    before = _n_errors(log)
    spans: list[Span] = []
    split = None
    for line, row in essay_rows:
        label = row["discourse_type"].strip()
        if label in SKIPPED:
            continue
        if label not in LABELS:
            log.error(path, line, f"unknown discourse_type {label!r} (expected one of {', '.join(LABELS)})")
            continue
        try:
            start = int(float(row["discourse_start"]))
            end = int(float(row["discourse_end"]))
        except ValueError:
            log.error(path, line, f"discourse_start/end {row['discourse_start']!r}, "
                      f"{row['discourse_end']!r} are not numbers")
            continue
        if end > len(text) and start < len(text):
            log.warning(path, line, f"discourse_end {end} is past the end of essay {essay!r} "
                        f"(length {len(text)}); clipped")
            end = len(text)
        if not 0 <= start < end <= len(text):
            log.error(path, line, f"offsets [{start}, {end}) outside essay {essay!r} (length {len(text)})")
            continue
        piece = text[start:end]
        if not piece.strip():
            log.error(path, line, f"offsets [{start}, {end}) cover only whitespace in essay {essay!r}")
            continue
        given = row.get("discourse_text")
        if given is not None and given.split() != piece.split():
            log.warning(path, line, f"discourse_text differs from the essay text at [{start}, {end}) "
                        f"in essay {essay!r}; offsets kept")
        start += len(piece) - len(piece.lstrip())
        end -= len(piece) - len(piece.rstrip())
        attrs = {k: row[k] for k in EXTRA_ATTRIBUTES if row.get(k) not in (None, "")}
        spans.append(Span(start, end, label, attributes=attrs))
        value = row.get("split") or row.get("competition_set")
        if value:
            split = value.strip()
    if _n_errors(log) > before:
        return None
    paragraphs = [Span(m.start(), m.end(), "paragraph") for m in re.finditer(r"\S(?:[^\n]*\S)?", text)]
    return Document(
        id=essay, text=text, spans=spans, partitions={"paragraphs": paragraphs},
        metadata={"source": path.name}, split=split or "train",
    )


def _n_errors(log: ProblemLog) -> int:
    return sum(p.severity == "error" for p in log.problems)
