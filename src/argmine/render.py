"""Render documents with argument annotations: self-contained HTML and plain/terminal text.

The HTML page has no external assets (inline CSS, no scripts needed), so it works offline:
spans are highlighted by label with a legend, hovering shows label and score, and relations are
listed as "A supports B" with links to the spans.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Sequence

from argmine.documents import Document, Span

PALETTE = {
    "major_claim": "#c6a0f6",
    "majorclaim": "#c6a0f6",
    "claim": "#8ecae6",
    "premise": "#b7e4a7",
    "counter_argument": "#f4a6a6",
}
FALLBACK = ["#ffd166", "#a0c4ff", "#ffadad", "#caffbf", "#bdb2ff", "#fdffb6", "#9bf6ff", "#ffc6ff"]


def label_colors(labels: Sequence[str]) -> dict[str, str]:
    colors: dict[str, str] = {}
    extra = 0
    for label in labels:
        key = label.lower().replace("-", "_")
        if key in PALETTE:
            colors[label] = PALETTE[key]
        else:
            colors[label] = FALLBACK[extra % len(FALLBACK)]
            extra += 1
    return colors


def data_attribute(key: str) -> str:
    """A ``data-*`` attribute name for an attribute key: lower case, every character outside
    ``[a-z0-9_-]`` replaced by ``-`` (a key with a space or ``=`` cannot make an attribute of its own)."""
    return "data-" + (re.sub(r"[^a-z0-9_-]", "-", key.lower()) or "-")


def script_json(value: object) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` block: ``<``, ``>`` and ``&`` are
    written as ``\\u`` escapes, so no string can close the block (``</script>``)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def relation_verb(label: str) -> str:
    """``supports`` / ``attacks`` for a relation label (other labels as they are)."""
    low = label.lower()
    if "attack" in low or low in {"reb", "und"}:
        return "attacks"
    if "support" in low or low in {"sup", "exa", "add", "reason", "evidence"}:
        return "supports"
    return label


def _marked_text(doc: Document, spans: list[Span], colors: dict[str, str]) -> str:
    """The document text with non-overlapping spans wrapped in <mark>; overlaps keep the first."""
    out: list[str] = []
    pos = 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.start < pos:
            continue
        out.append(html.escape(doc.text[pos : span.start]))
        title = span.label + (f" ({span.score:.2f})" if span.score is not None else "")
        attrs = "".join(f' {data_attribute(k)}="{html.escape(str(v))}"' for k, v in span.attributes.items())
        out.append(
            f'<mark class="span" id="{html.escape(doc.id)}-{html.escape(span.id)}" data-label="{html.escape(span.label)}"'
            f'{attrs} title="{html.escape(title)}" style="background:{colors[span.label]}">'
            f"{html.escape(doc.text[span.start : span.end])}<sup>{html.escape(span.id)}</sup></mark>"
        )
        pos = span.end
    out.append(html.escape(doc.text[pos:]))
    return "".join(out)


def render_html(documents: Sequence[Document], title: str = "argmine predictions") -> str:
    """One self-contained HTML page for all documents."""
    labels = sorted({s.label for d in documents for s in d.spans})
    colors = label_colors(labels)
    legend = "".join(
        f'<span class="legend-item" style="background:{c}">{html.escape(lab)}</span>' for lab, c in colors.items()
    )
    parts = []
    for doc in documents:
        spans = doc.span_by_id()
        rels = []
        for rel in doc.relations:
            src = spans.get(rel.source)
            tgt = spans.get(rel.target)
            if src is None:
                continue
            tgt_text = doc.text[tgt.start : tgt.end] if tgt else f"relation {rel.target}"
            score = f" ({float(rel.score):.2f})" if rel.score is not None else ""  # a number: no markup
            rels.append(
                f'<li class="relation" data-label="{html.escape(rel.label)}">'
                f'<a href="#{html.escape(doc.id)}-{html.escape(rel.source)}">{html.escape(rel.source)}</a> '
                f"“{html.escape(_short(doc.text[src.start:src.end]))}” <b>{html.escape(relation_verb(rel.label))}</b> "
                f'<a href="#{html.escape(doc.id)}-{html.escape(rel.target)}">{html.escape(rel.target)}</a> '
                f"“{html.escape(_short(tgt_text))}”{score}</li>"
            )
        counts = Counter(s.label for s in doc.spans)
        summary = ", ".join(f"{n} {html.escape(lab)}" for lab, n in sorted(counts.items())) or "no spans"
        parts.append(
            f'<section class="doc" id="{html.escape(doc.id)}"><h2>{html.escape(doc.id)}</h2>'
            f'<p class="summary">{summary}</p>'
            f'<div class="text">{_marked_text(doc, list(doc.spans), colors)}</div>'
            + (f'<h3>Relations</h3><ul class="relations">{"".join(rels)}</ul>' if rels else "")
            + "</section>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;line-height:1.6;color:#222}}
.text{{white-space:pre-wrap;border:1px solid #ddd;padding:1em;border-radius:6px}}
mark.span{{padding:0 .15em;border-radius:3px}} mark.span sup{{font-size:.65em;color:#555;margin-left:.2em}}
.legend-item{{display:inline-block;padding:.1em .6em;margin-right:.5em;border-radius:3px}}
.summary{{color:#555}} li.relation{{margin:.2em 0}}
</style></head><body>
<h1>{html.escape(title)}</h1><div class="legend">{legend}</div>
{"".join(parts)}
</body></html>
"""


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_app_page(labels: Sequence[str], title: str = "argmine") -> str:
    """The page ``argmine serve`` answers on ``GET /``: a text box whose form posts to
    ``/predict`` and shows the text with highlighted spans, a legend and the relations.
    Inline CSS and JS only (works offline)."""
    colors = script_json(label_colors(list(labels)))
    legend = "".join(
        f'<span class="legend-item" style="background:{c}">{html.escape(lab)}</span>'
        for lab, c in label_colors(list(labels)).items()
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;line-height:1.6;color:#222}}
textarea{{width:100%;height:10em;font:inherit}} #out{{white-space:pre-wrap;border:1px solid #ddd;padding:1em;border-radius:6px}}
mark.span{{padding:0 .15em;border-radius:3px}} mark.span sup{{font-size:.65em;color:#555;margin-left:.2em}}
.legend-item{{display:inline-block;padding:.1em .6em;margin-right:.5em;border-radius:3px}} #err{{color:#b00}}
</style></head><body>
<h1>{html.escape(title)}</h1><div class="legend">{legend}</div>
<form id="form"><textarea id="text" name="text" placeholder="Paste a text to annotate"></textarea>
<p><button type="submit">Annotate</button> <span id="err"></span></p></form>
<div id="out"></div><ul id="relations"></ul>
<script>
const COLORS = {colors};
function el(tag, attrs, text) {{
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {{}})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}}
function show(doc) {{
  const out = document.getElementById("out"), rels = document.getElementById("relations");
  out.replaceChildren(); rels.replaceChildren();
  let pos = 0; const byId = {{}};
  for (const s of doc.spans) {{
    byId[s.id] = s;
    if (s.start < pos) continue;
    out.append(document.createTextNode(doc.text.slice(pos, s.start)));
    const title = s.label + (s.score === null ? "" : " (" + s.score.toFixed(2) + ")");
    const m = el("mark", {{"class": "span", "id": s.id, "data-label": s.label, "title": title,
                          "style": "background:" + (COLORS[s.label] || "#ffd166")}}, s.text);
    m.append(el("sup", {{}}, s.id)); out.append(m); pos = s.end;
  }}
  out.append(document.createTextNode(doc.text.slice(pos)));
  for (const r of doc.relations) {{
    const verb = /attack/i.test(r.label) ? "attacks" : (/support/i.test(r.label) ? "supports" : r.label);
    const src = byId[r.source], tgt = byId[r.target];
    rels.append(el("li", {{"class": "relation"}},
      r.source + " “" + (src ? src.text : "") + "” " + verb + " " + r.target + " “" + (tgt ? tgt.text : "") + "”"));
  }}
}}
document.getElementById("form").addEventListener("submit", async (ev) => {{
  ev.preventDefault();
  const err = document.getElementById("err"); err.textContent = "";
  try {{
    const resp = await fetch("predict", {{method: "POST", headers: {{"Content-Type": "application/json"}},
      body: JSON.stringify({{text: document.getElementById("text").value}})}});
    const data = await resp.json();
    if (!resp.ok) {{ err.textContent = data.error || resp.statusText; return; }}
    show(data);
  }} catch (e) {{ err.textContent = String(e); }}
}});
</script></body></html>
"""
