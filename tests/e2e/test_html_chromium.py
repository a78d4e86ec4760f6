"""The ``--format html`` page in a real browser: headless Chromium (Debian's ``chromium``,
``scripts/install_test_browser.sh``) renders it, takes a screenshot and dumps the DOM, in which
the highlighted spans must be ``<mark data-label=...>`` elements with the predicted texts."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.conftest import REPO_ROOT, missing

from argmine.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="session", autouse=True)  # before the session's trained_run
def _chromium_present() -> None:
    if CHROMIUM is None:
        missing("chromium not installed (scripts/install_test_browser.sh)")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)


def test_html_page_renders_with_highlighted_spans(trained_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    news = REPO_ROOT / "tests" / "fixtures" / "news_article.txt"
    assert main(["predict", "--model", str(trained_run / "model"), "--format", "html,jsonl",
                 "--out", str(out), str(news)]) == 0
    (rec,) = [json.loads(line) for line in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    page = (out / "predictions.html").as_uri()

    shot = tmp_path / "page.png"
    proc = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1600", page)
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", proc.stderr[-2000:]
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank image

    dom = chromium(tmp_path, "--dump-dom", page).stdout
    marks = re.findall(r'<mark class="span" id="[^"]*" data-label="([^"]+)"[^>]*>(.*?)<sup>', dom, re.S)
    assert [(lab, html.unescape(text)) for lab, text in marks] == [
        (s["label"], s["text"]) for s in rec["spans"]]
    assert rec["spans"] and 'class="legend"' in dom
