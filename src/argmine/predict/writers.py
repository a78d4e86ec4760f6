"""Output formats of ``argmine predict``: jsonl, brat, html and text.

Every file is written to ``<name>.part`` and renamed when complete, so an interrupted or failed
run never leaves a partial file that looks finished.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from argmine.documents import Document
from argmine.io import atomic_write
from argmine.render import label_colors, relation_verb, render_html

FORMATS = ("jsonl", "brat", "html", "text")


# -- brat ------------------------------------------------------------------------------------------
_BREAK = re.compile(r"[\r\n]+")


def _brat_label(label: str) -> str:
    """brat types must not contain whitespace."""
    return re.sub(r"\s+", "_", label) or "span"


def brat_attribute(ann_id: str, target: str, name: str, value: Any) -> str | None:
    """One ``A`` line: ``"true"`` as a binary attribute, ``"false"`` left out (brat's absence),
    any other value as a valued one (``A1<TAB>stance T3 Against``)."""
    value = str(value)
    if value == "false":
        return None
    suffix = "" if value == "true" else f" {_brat_label(value)}"
    return f"{ann_id}\t{_brat_label(name)} {target}{suffix}"


def brat_ann(doc: Document) -> str:
    """The ``.ann`` text: ``T`` lines (a span crossing a line break becomes fragments, as brat
    requires), ``A`` lines for span attributes (see :func:`brat_attribute`) and ``R`` lines with
    ``Arg1``/``Arg2``; scores go to ``#`` note lines. argmine's brat reader reads the attributes
    back (``"false"`` ones as absent)."""
    lines = []
    notes = 0
    attrs = 0
    for span in doc.spans:
        pieces: list[tuple[int, int]] = []
        pos = span.start
        for m in _BREAK.finditer(doc.text, span.start, span.end):
            if m.start() > pos:
                pieces.append((pos, m.start()))
            pos = m.end()
        if pos < span.end:
            pieces.append((pos, span.end))
        frag = ";".join(f"{a} {b}" for a, b in pieces)
        text = " ".join(doc.text[a:b] for a, b in pieces)
        lines.append(f"{span.id}\t{_brat_label(span.label)} {frag}\t{text}")
        if span.score is not None:
            notes += 1
            lines.append(f"#{notes}\tAnnotatorNotes {span.id}\tscore={span.score:.4f}")
        for name, value in sorted(span.attributes.items()):
            line = brat_attribute(f"A{attrs + 1}", span.id, name, value)
            if line is not None:
                attrs += 1
                lines.append(line)
    span_ids = {s.id for s in doc.spans}
    for rel in doc.relations:
        if rel.source in span_ids and rel.target in span_ids:
            lines.append(f"{rel.id}\t{_brat_label(rel.label)} Arg1:{rel.source} Arg2:{rel.target}\t")
    return "".join(line + "\n" for line in lines)


def brat_conf(span_labels: Iterable[str], relation_labels: Iterable[str],
              span_attributes: Mapping[str, Iterable[str]] | None = None) -> str:
    """``annotation.conf`` declaring the labels and span attributes (name -> values seen), so the
    folder opens in brat."""
    ents = sorted({_brat_label(x) for x in span_labels})
    rels = sorted({_brat_label(x) for x in relation_labels})
    arg = "|".join(ents) or "<ENTITY>"
    attr_lines = []
    for name, values in sorted((span_attributes or {}).items()):
        valued = sorted({_brat_label(str(v)) for v in values} - {"true", "false"})
        attr_lines.append(f"{_brat_label(name)}\tArg:<ENTITY>" + (f", Value:{'|'.join(valued)}" if valued else ""))
    return ("[entities]\n" + "".join(f"{e}\n" for e in ents)
            + "[relations]\n" + "".join(f"{r}\tArg1:{arg}, Arg2:{arg}\n" for r in rels)
            + "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>\n"
            + "[events]\n[attributes]\n" + "".join(f"{line}\n" for line in attr_lines))


def brat_visual_conf(span_labels: Iterable[str]) -> str:
    labels = sorted({_brat_label(x) for x in span_labels})
    colors = label_colors(labels)
    return "[labels]\n[drawing]\n" + "".join(f"{lab}\tbgColor:{colors[lab]}\n" for lab in labels)


_UNSAFE_NAME = re.compile(r"[^\w.-]+")


def file_stem(doc_id: str) -> str:
    """A document id as a file name: ``corpus.jsonl:17`` -> ``corpus.jsonl_17``, never a path."""
    return _UNSAFE_NAME.sub("_", doc_id).strip("._") or "doc"


def write_brat(doc: Document, folder: Path, name: str | None = None) -> None:
    """``<name>.txt`` and ``<name>.ann`` (``name``: default the id made safe, :func:`file_stem`)."""
    name = name or file_stem(doc.id)
    atomic_write(folder / f"{name}.txt", doc.text)
    atomic_write(folder / f"{name}.ann", brat_ann(doc))


# -- text (Rich) -----------------------------------------------------------------------------------
RICH_STYLES = {"major_claim": "bold black on magenta", "claim": "black on cyan", "premise": "black on green",
               "counter_argument": "black on red"}
_EXTRA_STYLES = ["black on yellow", "black on bright_blue", "black on bright_magenta", "black on bright_cyan"]


def rich_styles(labels: Iterable[str]) -> dict[str, str]:
    out, extra = {}, 0
    for lab in sorted(set(labels)):
        key = lab.lower().replace("-", "_")
        if key in RICH_STYLES:
            out[lab] = RICH_STYLES[key]
        else:
            out[lab] = _EXTRA_STYLES[extra % len(_EXTRA_STYLES)]
            extra += 1
    return out


def summary_line(doc: Document) -> str:
    counts = Counter(s.label for s in doc.spans)
    parts = ", ".join(f"{n} {lab}" for lab, n in sorted(counts.items()))
    return f"{doc.id}: {parts or 'no spans'}" + (f", {len(doc.relations)} relations" if doc.relations else "")


def rich_document(doc: Document, styles: dict[str, str]) -> Any:
    """The document as a Rich renderable: spans coloured by label, then relations and a summary."""
    # deferred: only colour output on a terminal needs rich
    from rich.console import Group
    from rich.text import Text

    text = Text(doc.text.replace("\r\n", "\n"))  # display only; offsets stay in the jsonl output
    shift = _crlf_shift(doc.text)
    for span in doc.spans:
        text.stylize(styles.get(span.label, "reverse"), shift(span.start), shift(span.end))
    legend = Text("  ").join(Text(f" {lab} ", style=st) for lab, st in styles.items())
    parts: list[Any] = [Text(f"── {doc.id} ──", style="bold"), text]
    by_id = doc.span_by_id()
    for rel in doc.relations:
        src, tgt = by_id.get(rel.source), by_id.get(rel.target)
        if src and tgt:
            parts.append(Text(f"  {rel.source} {_verb(rel.label)} {rel.target}", style="dim"))
    parts += [legend, Text(summary_line(doc), style="italic")]
    return Group(*parts)


def _verb(label: str) -> str:
    return relation_verb(label)


def _crlf_shift(text: str) -> Any:
    """Offsets in ``text`` -> offsets after replacing each ``\\r\\n`` by ``\\n``."""
    crlf = [m.start() for m in re.finditer("\r\n", text)]
    return lambda i: i - bisect.bisect_left(crlf, i - 1) if crlf else i


def bracketed_text(doc: Document) -> str:
    """The text with every span marked in place: ``[claim: We must act.]``; each fragment of a
    discontinuous span is marked on its own. Nested spans nest their brackets; spans that cross
    each other get brackets that cross too (the span lines of :func:`plain_document` are exact)."""
    # (offset, order, text): at one offset closings come before openings, inner before outer
    events: list[tuple[int, int, int, str]] = []
    for span in doc.spans:
        for start, end in span.pieces():
            events.append((start, 1, -(end - start), f"[{span.label}: "))
            events.append((end, 0, end - start, "]"))
    events.sort(key=lambda e: e[:3])
    out, last = [], 0
    for offset, _, _, mark in events:
        out += [doc.text[last:offset], mark]
        last = offset
    return "".join(out) + doc.text[last:]


def plain_document(doc: Document) -> str:
    """Text format for files and pipes: the text with spans marked in place, then one line per
    span and relation (ids, offsets), then the summary."""
    lines = [f"== {doc.id} ==", bracketed_text(doc), ""]
    for s in doc.spans:
        score = "" if s.score is None else f" {s.score:.2f}"
        lines.append(f"{s.id}\t{s.label}{score}\t{s.start}-{s.end}\t{doc.text[s.start:s.end]!r}")
    for r in doc.relations:
        lines.append(f"{r.id}\t{r.source} {_verb(r.label)} {r.target}")
    lines += [summary_line(doc), ""]
    return "\n".join(lines) + "\n"


def html_page(docs: list[Document], title: str = "argmine predictions") -> str:
    return render_html(docs, title=title)
