"""Sharded, resumable output of ``argmine predict --out DIR --shard-size N``.

Layout::

    DIR/manifest.json               the run's settings and its finished shards: the one record
                                    of what is done
    DIR/shards/part-00000.jsonl     N documents each, the last one fewer (or ``.parquet``)

A shard is written to ``part-NNNNN.jsonl.part``, synced and renamed once it holds N documents;
then the manifest is rewritten (synced and renamed too) to list it. Killed at any moment, the
folder holds a manifest that lists complete shards only. The next run with the same settings
deletes what the manifest does not list (a ``.part`` file, a shard renamed just before the
kill), passes over the input records the listed shards hold (the input stream is
deterministic) and goes on with the next shard. Other settings are refused, naming what differs.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import shutil
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

from argmine.documents import Document
from argmine.errors import ArgmineError
from argmine.io import durable_replace, durable_write, fsync_dir, jsonl_line, prediction_record
from argmine.predict.inputs import STDIN, Record, Skipped

MANIFEST = "manifest.json"
SHARDS = "shards"
MANIFEST_VERSION = 1
SHARD_FORMATS = ("jsonl", "parquet")
#: the files of ``DIR/shards`` this module writes (and may delete)
_SHARD_FILE = re.compile(r"part-\d{5,}\.(jsonl|parquet)(\.part)?")
_CHUNK = 1 << 20


class OutputError(ArgmineError):
    """The output folder cannot be resumed: other settings, a shard missing or changed, inputs
    that changed, an unreadable manifest, or another run writing to it."""


def argmine_version() -> str:
    try:
        return importlib.metadata.version("argmine")
    except importlib.metadata.PackageNotFoundError:  # a source tree on PYTHONPATH
        from argmine import __version__

        return __version__


def _hash_file(path: Path, into: Any) -> None:
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            into.update(block)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    _hash_file(path, digest)
    return digest.hexdigest()


def model_fingerprint(path: Path) -> str:
    """sha256 over a model folder's files (relative path, size and bytes of each, in sorted
    order: ``argmine.json``, the weights, the featurizer's files), or over a checkpoint file."""
    if not path.exists():
        raise ArgmineError(f"model not found: {path} (expected an exported model folder or a checkpoint)")
    if path.is_file():
        return file_sha256(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(path).as_posix()}\0{file.stat().st_size}\0".encode())
        _hash_file(file, digest)
    return digest.hexdigest()


def run_header(model: Path, inputs: list[str], options: dict[str, Any]) -> dict[str, Any]:
    """What a run's output depends on: argmine's version, the model (path and fingerprint), the
    inputs (absolute paths) and the options that change the output."""
    return {"manifest_version": MANIFEST_VERSION, "argmine": argmine_version(),
            "model": {"path": str(model.resolve()), "sha256": model_fingerprint(model)},
            "inputs": [item if item == STDIN else str(Path(item).resolve()) for item in inputs],
            "options": dict(options)}


def _show(value: Any) -> str:
    return "not given" if value is None else str(value)


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between a manifest's settings and this run's, one phrase each."""
    found = []
    if old.get("argmine") != new["argmine"]:
        found.append(f"argmine {new['argmine']} (the folder's: {_show(old.get('argmine'))})")
    was = old.get("model") if isinstance(old.get("model"), dict) else {}
    if was.get("sha256") != new["model"]["sha256"]:
        found.append(f"--model {new['model']['path']} is another model (sha256 {new['model']['sha256'][:12]}; "
                     f"the folder's: {_show(was.get('path'))}, sha256 {str(was.get('sha256'))[:12]})")
    if old.get("inputs") != new["inputs"]:
        found.append(f"inputs {' '.join(new['inputs'])} (the folder's: {' '.join(map(str, old.get('inputs') or []))})")
    options = old.get("options") if isinstance(old.get("options"), dict) else {}
    for key, value in new["options"].items():
        if options.get(key) != value:
            found.append(f"--{key.replace('_', '-')} {_show(value)} (the folder's: {_show(options.get(key))})")
    return found


_ENTRY = {"file": str, "documents": int, "skipped": int, "first_id": str, "last_id": str, "bytes": int,
          "sha256": str}


def _is_entry(entry: Any) -> bool:
    """A manifest's shard entry has the keys and types this module writes."""
    return isinstance(entry, dict) and all(isinstance(entry.get(k), t) for k, t in _ENTRY.items())


class _Shard:
    """One shard being written to ``<name>.part``; :meth:`commit` syncs and renames it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + ".part")
        self.count = 0
        self.first_id = self.last_id = ""

    def add(self, doc: Document) -> None:
        self.count += 1
        self.first_id = self.first_id or doc.id
        self.last_id = doc.id
        self._write(doc)

    def _write(self, doc: Document) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        self.tmp.unlink(missing_ok=True)


class _JsonlShard(_Shard):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.fh: IO[bytes] = self.tmp.open("wb")

    def _write(self, doc: Document) -> None:
        self.fh.write(jsonl_line(doc).encode("utf-8"))

    def commit(self) -> None:
        self.fh.close()
        durable_replace(self.tmp, self.path)

    def abort(self) -> None:
        self.fh.close()
        super().abort()


class _ParquetShard(_Shard):
    """Columns ``id``, ``text``, ``spans`` and ``relations`` (the last two JSON text, as in the
    jsonl line); the shard's rows are held until it is written."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.rows: dict[str, list[str]] = {"id": [], "text": [], "spans": [], "relations": []}

    def _write(self, doc: Document) -> None:
        record = prediction_record(doc)
        for key, column in self.rows.items():
            value = record[key]
            column.append(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))

    def commit(self) -> None:
        # deferred: pyarrow is needed for Parquet shards only
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({k: pa.array(v, pa.string()) for k, v in self.rows.items()}), str(self.tmp))
        durable_replace(self.tmp, self.path)


class ShardedOutput:
    """``DIR/manifest.json`` and ``DIR/shards/``, opened to start or resume a run (see the module
    docstring). Holds an exclusive lock on the folder until :meth:`close`."""

    def __init__(self, out: Path, header: dict[str, Any], shard_size: int, fmt: str) -> None:
        if shard_size < 1:
            raise OutputError(f"--shard-size must be at least 1, got {shard_size}")
        if fmt not in SHARD_FORMATS:
            raise OutputError(f"shards are written as {' or '.join(SHARD_FORMATS)}, not {fmt}")
        self.out = out
        self.folder = out / SHARDS
        self.shard_size = shard_size
        self.fmt = fmt
        self.manifest: dict[str, Any] = {**header, "complete": False, "documents": 0, "shards": [],
                                         "skipped": []}
        self.saved = False  # the manifest is on disk
        self.shard: _Shard | None = None
        self.pending: list[Skipped] = []  # skipped since the last finished shard
        self.lock: int | None = None

    @classmethod
    def open(cls, out: Path, header: dict[str, Any], shard_size: int, fmt: str,
             overwrite: bool = False) -> ShardedOutput:
        """Lock ``out``; with ``overwrite`` remove its manifest and shards; else check that its
        manifest (if any) was written with ``header``'s settings and lists shards that are there."""
        self = cls(out, header, shard_size, fmt)
        self._lock()
        try:
            if overwrite:
                shutil.rmtree(self.folder, ignore_errors=True)
                (out / MANIFEST).unlink(missing_ok=True)
            old = self._read()
            if old is not None:
                found = differences(old, header)
                if found:
                    raise OutputError(f"{out} holds predictions made with other settings: {'; '.join(found)}; "
                                      "run with the folder's settings to resume, or add --overwrite to start over")
                self.manifest, self.saved = old, True
                self._check_shards()
            self._clean()
        except BaseException:
            self.close()
            raise
        return self

    # -- state ---------------------------------------------------------------------------------
    @property
    def shards(self) -> list[dict[str, Any]]:
        return list(self.manifest["shards"])

    @property
    def complete(self) -> bool:
        return bool(self.manifest["complete"])

    @property
    def done_items(self) -> int:
        """Input records (predicted or skipped) that the finished shards hold."""
        return sum(s["documents"] + s["skipped"] for s in self.manifest["shards"])

    @property
    def documents(self) -> int:
        return int(self.manifest["documents"])

    @property
    def skipped(self) -> list[dict[str, str]]:
        return list(self.manifest["skipped"])

    # -- opening -------------------------------------------------------------------------------
    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # not on POSIX: no lock
            return
        self.lock = os.open(self.out, os.O_RDONLY)
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.close()
            raise OutputError(f"another argmine predict is writing to {self.out}; wait for it to finish") from None

    def _read(self) -> dict[str, Any] | None:
        path = self.out / MANIFEST
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise OutputError(f"{path} is not readable ({exc}); add --overwrite to start over") from None
        if (not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION
                or not isinstance(data.get("complete"), bool) or not isinstance(data.get("documents"), int)
                or not isinstance(data.get("skipped"), list)
                or not isinstance(data.get("shards"), list) or not all(map(_is_entry, data["shards"]))):
            raise OutputError(f"{path} is not a manifest of argmine predict (version {MANIFEST_VERSION}); "
                              "add --overwrite to start over")
        return data

    def _check_shards(self) -> None:
        for entry in self.manifest["shards"]:
            path = self.out / entry["file"]
            if not path.is_file():
                raise OutputError(f"{path} is listed in {MANIFEST} but missing; add --overwrite to start over")
            if path.stat().st_size != entry["bytes"]:
                raise OutputError(f"{path} has {path.stat().st_size:,} bytes, {MANIFEST} says {entry['bytes']:,}: "
                                  "it changed after it was written; add --overwrite to start over")

    def _clean(self) -> None:
        """Delete what a killed run left: ``.part`` files and shards the manifest does not list."""
        (self.out / (MANIFEST + ".part")).unlink(missing_ok=True)
        if not self.folder.is_dir():
            return
        listed = {Path(s["file"]).name for s in self.manifest["shards"]}
        for path in self.folder.iterdir():
            if _SHARD_FILE.fullmatch(path.name) and path.name not in listed and path.is_file():
                path.unlink()
        fsync_dir(self.folder)

    def skip_finished(self, items: Iterator[Record | Skipped]) -> None:
        """Pass over the input records the finished shards hold, checking that each shard's first
        and last document are among them (the inputs are the ones the shards were made from)."""
        for entry in self.manifest["shards"]:
            count = entry["documents"] + entry["skipped"]
            chunk = list(islice(items, count))
            ids = {item.doc_id for item in chunk if isinstance(item, Record)}
            if len(chunk) < count or entry["first_id"] not in ids or entry["last_id"] not in ids:
                raise OutputError(
                    f"the inputs changed since {self.out / entry['file']} was written (its documents "
                    f"{entry['first_id']!r} to {entry['last_id']!r} are not where they were); "
                    "add --overwrite to start over")

    # -- writing -------------------------------------------------------------------------------
    def begin(self) -> None:
        """Write the manifest of a new run (no shards yet): the folder now belongs to these settings."""
        if not self.saved:
            self._save()

    def add(self, doc: Document) -> None:
        if self.shard is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"part-{len(self.manifest['shards']):05d}.{self.fmt}"
            self.shard = (_JsonlShard if self.fmt == "jsonl" else _ParquetShard)(self.folder / name)
        self.shard.add(doc)
        if self.shard.count >= self.shard_size:
            self._finish_shard()

    def skip(self, item: Skipped) -> None:
        self.pending.append(item)

    def _finish_shard(self) -> None:
        shard = self.shard
        assert shard is not None
        self.shard = None
        shard.commit()
        self.manifest["shards"].append({
            "file": f"{SHARDS}/{shard.path.name}", "documents": shard.count, "skipped": len(self.pending),
            "first_id": shard.first_id, "last_id": shard.last_id, "bytes": shard.path.stat().st_size,
            "sha256": file_sha256(shard.path)})
        self.manifest["documents"] += shard.count
        self._take_pending()
        self._save()

    def _take_pending(self) -> None:
        self.manifest["skipped"].extend(item.as_dict() for item in self.pending)
        self.pending = []

    def _save(self) -> None:
        durable_write(self.out / MANIFEST, json.dumps(self.manifest, indent=2, ensure_ascii=False) + "\n")
        self.saved = True

    def finish(self) -> None:
        """Write the last shard (fewer documents) and mark the run complete."""
        if self.shard is not None:
            self._finish_shard()
        self._take_pending()
        self.manifest["complete"] = True
        self._save()

    def abort(self) -> None:
        """Delete the shard being written; the manifest keeps the finished ones."""
        if self.shard is not None:
            self.shard.abort()
            self.shard = None

    def close(self) -> None:
        if self.lock is not None:
            os.close(self.lock)
            self.lock = None
