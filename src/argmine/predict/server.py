"""``argmine serve``: a small JSON HTTP endpoint and an HTML page with a text box.

Standard library only (``http.server.ThreadingHTTPServer``), bound to ``127.0.0.1`` by default.

- ``POST /predict`` with ``{"text": "...", "id": "optional"}`` -> the jsonl object of
  ``argmine predict`` (``{"id", "text", "spans", "relations"}``);
- ``GET /`` -> an offline HTML page whose form posts to ``/predict`` and highlights the spans;
- ``GET /health`` -> ``{"status": "ok", "labels": [...]}``.

Bodies larger than ``max_bytes`` get 413, malformed JSON or a missing ``text`` 400, both as
``{"error": "..."}``. Predictions are serialised with a lock (one model, many threads).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from argmine.errors import ArgmineError, ConfigError

DEFAULT_MAX_BYTES = 1_000_000


class PredictServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], predictor: Any, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        super().__init__(address, PredictHandler)
        self.predictor = predictor
        self.max_bytes = max_bytes
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class PredictHandler(BaseHTTPRequestHandler):
    server: PredictServer
    server_version = "argmine"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        sys.stderr.write(f"argmine serve: {self.address_string()} {format % args}\n")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message})

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        # deferred: only GET / renders the page
        from argmine.render import render_app_page

        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            page = render_app_page(self.server.predictor.labels)
            self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8")
        elif path == "/health":
            self._json(HTTPStatus.OK, {"status": "ok", "labels": self.server.predictor.labels})
        else:
            self._error(HTTPStatus.NOT_FOUND, f"no such path {path!r}; use GET / or POST /predict")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        # deferred: only POST /predict writes prediction records
        from argmine.io import prediction_record

        if self.path.split("?", 1)[0] != "/predict":
            self._error(HTTPStatus.NOT_FOUND, f"no such path {self.path!r}; use POST /predict")
            return
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            self._error(HTTPStatus.LENGTH_REQUIRED, "Content-Length header required")
            return
        try:
            length = int(length_header)
        except ValueError:
            self._error(HTTPStatus.BAD_REQUEST, f"bad Content-Length {length_header!r}")
            return
        if length > self.server.max_bytes:
            self.close_connection = True  # the body is not read
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                        f"request body of {length} bytes exceeds the limit of {self.server.max_bytes} bytes")
            return
        raw = self.rfile.read(length)
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self._error(HTTPStatus.BAD_REQUEST, f"body is not valid UTF-8 JSON: {exc}")
            return
        if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
            self._error(HTTPStatus.BAD_REQUEST, 'expected a JSON object {"text": "..."}')
            return
        doc_id = payload.get("id", "doc")
        if not isinstance(doc_id, str) or not doc_id:
            self._error(HTTPStatus.BAD_REQUEST, '"id" must be a non-empty string')
            return
        try:
            with self.server.lock:
                doc = self.server.predictor(payload["text"], doc_id=doc_id)
        except ArgmineError as exc:
            self._error(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc))
            return
        self._json(HTTPStatus.OK, prediction_record(doc))


def make_server(predictor: Any, host: str = "127.0.0.1", port: int = 0,
                max_bytes: int = DEFAULT_MAX_BYTES) -> PredictServer:
    """A server ready for ``serve_forever()`` (port 0: an ephemeral port, see ``server.url``)."""
    if max_bytes < 1:
        raise ConfigError(f"--max-bytes must be positive, got {max_bytes}")
    try:
        return PredictServer((host, port), predictor, max_bytes)
    except OSError as exc:
        raise ArgmineError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve_command(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="argmine serve", description="Serve a trained model over HTTP.")
    parser.add_argument("--model", required=True, metavar="DIR", help="exported model folder or checkpoint")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="largest accepted request body")
    parser.add_argument("--schema", default="unified", choices=["unified", "native"])
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args(list(argv))
    # deferred: the predictor imports torch; `argmine serve --help` and argument errors stay fast
    from argmine.predict.predictor import Predictor

    predictor = Predictor.load(args.model, batch_size=args.batch_size, schema=args.schema)
    server = make_server(predictor, args.host, args.port, args.max_bytes)
    print(f"argmine serve: listening on {server.url} (POST /predict, GET /)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("argmine serve: stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
