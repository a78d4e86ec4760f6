"""Markup in documents stays text: the static HTML (``--format html``) and the served page.

Every field a user's data or model can fill (text, labels, span and relation ids, attribute keys
and values, document id, page title) carries payloads that become real markup if any one of
them is written unescaped: a tag (``<script>``, ``<img>``), or an attribute that breaks out of
its quotes (``onerror=``, ``onmouseover=``). The output is parsed with ``html.parser``.
"""

from __future__ import annotations

import json
import urllib.request
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from argmine.documents import Document, Relation, Span
from argmine.predict.server import make_server
from argmine.render import render_app_page, render_html

TAG = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
PAYLOAD = f"{BREAKOUT}{TAG}'"
EVIL_KEY = "x onmouseover=alert(1) y"


class Page(HTMLParser):
    """Start tags with their attributes, the text, and the contents of script blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def assert_no_injected_markup(page: Page, scripts_allowed: int = 0) -> None:
    names = [tag for tag, _ in page.tags]
    assert "img" not in names, [t for t in page.tags if t[0] == "img"]
    assert names.count("script") == scripts_allowed, names
    for tag, attrs in page.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)


def evil_document() -> Document:
    text = f"Intro {BREAKOUT}{TAG} then {PAYLOAD} cars. Claim {PAYLOAD} here. Tail {PAYLOAD}"
    first, first_end = text.index(PAYLOAD), text.index("cars") + 4  # both spans hold the payload
    second = text.index("Claim")
    return Document(
        id=f"doc{PAYLOAD}",
        text=text,
        spans=[
            Span(first, first_end, f"claim{PAYLOAD}", f"T1{PAYLOAD}", {EVIL_KEY: PAYLOAD, "stance": PAYLOAD}, 0.9),
            Span(second, second + len(PAYLOAD) + 7, f"premise{PAYLOAD}", f"T2{PAYLOAD}"),
        ],
        relations=[Relation(f"T2{PAYLOAD}", f"T1{PAYLOAD}", f"rel{PAYLOAD}", f"R1{PAYLOAD}", score=0.5)],
    )


def test_static_page_writes_every_field_as_text() -> None:
    doc = evil_document()
    page = parse(render_html([doc], title=f"title{PAYLOAD}"))
    assert_no_injected_markup(page)
    text = "".join(page.text)
    for expected in (doc.text[:30], f"claim{PAYLOAD}", f"premise{PAYLOAD}", f"rel{PAYLOAD}", f"title{PAYLOAD}",
                     f"doc{PAYLOAD}", f"T1{PAYLOAD}"):
        assert expected in text, expected
    marks = [attrs for tag, attrs in page.tags if tag == "mark"]
    assert marks[0]["data-label"] == f"claim{PAYLOAD}" and marks[0]["id"] == f"doc{PAYLOAD}-T1{PAYLOAD}"
    assert marks[0]["data-stance"] == PAYLOAD and marks[0]["title"].startswith(f"claim{PAYLOAD}")
    # the key is reduced to a safe name; its value is kept
    assert marks[0]["data-x-onmouseover-alert-1--y"] == PAYLOAD
    links = [attrs["href"] for tag, attrs in page.tags if tag == "a"]
    assert f"#doc{PAYLOAD}-T2{PAYLOAD}" in links and f"#doc{PAYLOAD}-T1{PAYLOAD}" in links


def test_app_page_labels_cannot_close_its_script_block() -> None:
    labels = [f"claim{PAYLOAD}", "premise</script><script>alert(2)</script>", f"x{TAG}"]
    page = parse(render_app_page(labels, title=f"title{PAYLOAD}"))
    assert_no_injected_markup(page, scripts_allowed=1)
    (script,) = page.scripts
    assert "</script" not in script.lower()
    colors = json.loads(script.split("const COLORS = ", 1)[1].split(";\n", 1)[0])
    assert sorted(colors) == sorted(labels)  # the labels arrive intact in the script
    assert f"claim{PAYLOAD}" in "".join(page.text) and f"title{PAYLOAD}" in "".join(page.text)


@pytest.mark.service  # a loopback HTTP server
def test_served_page_over_http_is_the_escaped_page() -> None:
    labels = [f"claim{PAYLOAD}", "premise</script><script>alert(2)</script>"]
    server = make_server(SimpleNamespace(labels=labels))
    import threading

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(server.url, timeout=10) as resp:
            body = resp.read().decode("utf-8")
    finally:
        server.shutdown()
        server.server_close()
    page = parse(body)
    assert_no_injected_markup(page, scripts_allowed=1)
    assert "</script" not in page.scripts[0].lower()
