"""Shared I/O helpers: files written whole or not at all (``<name>.part`` renamed when complete;
:func:`durable_replace` / :func:`durable_write` also survive a crash of the machine), and the
JSON-lines form of a document that training, evaluation and prediction all write."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from argmine.documents import Document


def _strings(attributes: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in attributes.items()}


def prediction_record(doc: Document) -> dict[str, Any]:
    """The jsonl object of one document (``text[start:end] == span["text"]`` for every span).

    ``attributes`` carries what the model predicts beside the label: a structure model's claim
    ``stance`` (``For``/``Against``) and the derived ``counter_argument`` (``"true"``/``"false"``).
    """
    return {
        "id": doc.id,
        "text": doc.text,
        "spans": [
            {"id": s.id, "start": s.start, "end": s.end, "label": s.label,
             "score": None if s.score is None else round(float(s.score), 4), "text": doc.text[s.start:s.end],
             "attributes": _strings(s.attributes)}
            for s in doc.spans
        ],
        "relations": [
            {"source": r.source, "target": r.target, "label": r.label,
             "score": None if r.score is None else round(float(r.score), 4),
             "attributes": _strings(r.attributes)}
            for r in doc.relations
        ],
    }


def jsonl_line(doc: Document) -> str:
    return json.dumps(prediction_record(doc), ensure_ascii=False) + "\n"


def atomic_write(path: Path, content: str) -> None:
    """Write ``content`` (UTF-8, newlines untouched) to ``path`` via ``path.part`` + rename."""
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(content)
    os.replace(tmp, path)


class AtomicStream:
    """A text file written line by line to ``path.part``; :meth:`commit` renames it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + ".part")
        self.fh: IO[str] = self.tmp.open("w", encoding="utf-8", newline="")

    def write(self, text: str) -> None:
        self.fh.write(text)

    def commit(self) -> None:
        self.fh.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.fh.close()
        self.tmp.unlink(missing_ok=True)


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink inside ``folder`` durable (no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # e.g. a file system that cannot sync folders
    finally:
        os.close(fd)


def durable_replace(tmp: Path, path: Path) -> None:
    """Rename the finished ``tmp`` to ``path`` after its data is on disk, then sync the folder:
    after a crash at any moment ``path`` is either the old file or the whole new one."""
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def durable_write(path: Path, content: str) -> None:
    """:func:`atomic_write` that also syncs the file and its folder (see :func:`durable_replace`)."""
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(content)
    durable_replace(tmp, path)
