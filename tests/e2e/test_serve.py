"""``argmine serve``: real HTTP requests (urllib) on loopback to a server on an ephemeral port."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import argmine
from argmine.predict.server import PredictServer, make_server

pytestmark = [pytest.mark.slow, pytest.mark.service]  # CLI subprocesses that train: `make test` only


@pytest.fixture(scope="module")
def server(trained_run: Path) -> Iterator[PredictServer]:
    srv = make_server(argmine.load(str(trained_run / "model")), port=0, max_bytes=2000)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_bound_to_loopback(server: PredictServer) -> None:
    assert server.server_address[0] == "127.0.0.1" and server.server_address[1] > 0


def test_predict(server: PredictServer) -> None:
    text = "Cars should be banned downtown because they pollute the air.\r\nShops disagree."
    status, rec = post(server.url + "/predict", json.dumps({"text": text, "id": "q1"}).encode())
    assert status == 200
    assert rec["id"] == "q1" and rec["text"] == text and rec["relations"] == []
    assert rec["spans"]
    for span in rec["spans"]:
        assert text[span["start"]:span["end"]] == span["text"]


def test_oversized_body_is_413(server: PredictServer) -> None:
    status, rec = post(server.url + "/predict", json.dumps({"text": "word " * 1000}).encode())
    assert status == 413 and "limit of 2000 bytes" in rec["error"]


@pytest.mark.parametrize(("body", "message"), [
    (b"{not json", "not valid UTF-8 JSON"),
    (b"\xff\xfe", "not valid UTF-8 JSON"),
    (b'["text"]', "expected a JSON object"),
    (b'{"text": 5}', "expected a JSON object"),
])
def test_bad_requests_are_400(server: PredictServer, body: bytes, message: str) -> None:
    status, rec = post(server.url + "/predict", body)
    assert status == 400 and message in rec["error"]


def test_unknown_path_is_404(server: PredictServer) -> None:
    status, rec = post(server.url + "/nope", b"{}")
    assert status == 404 and "POST /predict" in rec["error"]


def test_page_and_health(server: PredictServer) -> None:
    with urllib.request.urlopen(server.url + "/", timeout=30) as resp:
        page = resp.read().decode("utf-8")
        assert resp.headers["Content-Type"].startswith("text/html")
    assert "<textarea" in page and 'fetch("predict"' in page
    assert "src=" not in page and "href=" not in page  # no external assets
    with urllib.request.urlopen(server.url + "/health", timeout=30) as resp:
        assert json.loads(resp.read())["labels"] == ["claim", "counter_argument", "major_claim", "premise"]
