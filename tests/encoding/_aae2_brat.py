"""A minimal AAE v2 brat read (T, A and R lines) for the encoding tests.

Kept apart from ``argmine.corpora`` on purpose, so that the encoding tests do not depend on the
reader. Reads the real essays from the shared corpora folder; nothing is copied.
"""

from __future__ import annotations

from pathlib import Path

from argmine.documents import Document, Relation, Span


def read_essay(folder: Path, name: str) -> Document:
    text = (folder / f"{name}.txt").read_text(encoding="utf-8")
    spans: dict[str, tuple[int, int, str]] = {}
    stances: dict[str, str] = {}
    relations = []
    for line in (folder / f"{name}.ann").read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if line.startswith("T"):
            label, start, end = fields[1].split()
            spans[fields[0]] = (int(start), int(end), label)
        elif line.startswith("A"):
            _, target, value = fields[1].split()
            stances[target] = value
        elif line.startswith("R"):
            label, arg1, arg2 = fields[1].split()
            relations.append(Relation(arg1.split(":")[1], arg2.split(":")[1], label, id=fields[0]))
    return Document(
        name,
        text,
        spans=[
            Span(s, e, label, id=tid, attributes={"stance": stances[tid]} if tid in stances else {})
            for tid, (s, e, label) in spans.items()
        ],
        relations=relations,
    )


def essays(shared_corpora: Path) -> list[Document]:
    folder = shared_corpora / "aae2" / "brat-project-final"
    return [read_essay(folder, p.stem) for p in sorted(folder.glob("essay*.txt"))]
