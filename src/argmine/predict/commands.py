"""``argmine predict``: annotate raw text files and data sets with a trained model.

Inputs are streamed (:mod:`argmine.predict.inputs`); an input or record that cannot be read or
predicted (a missing file, undecodable text, a record without text, a duplicate id, ...) is
reported as one line on stderr and skipped, the others are predicted and written. Exit status 1
when anything was skipped. A run that predicts nothing writes no output file. With
``--shard-size N`` the predictions go to resumable shards with a manifest
(:mod:`argmine.predict.shards`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from argmine.documents import Document
from argmine.errors import ArgmineError, ConfigError
from argmine.io import AtomicStream, atomic_write, jsonl_line
from argmine.predict.inputs import Inputs, ReadOptions, Record, Skipped, read_inputs
from argmine.predict.progress import Meter
from argmine.predict.shards import MANIFEST, SHARD_FORMATS, ShardedOutput, run_header
from argmine.predict.writers import (
    FORMATS,
    brat_conf,
    brat_visual_conf,
    file_stem,
    html_page,
    plain_document,
    rich_document,
    rich_styles,
    write_brat,
)

CHUNK_DOCUMENTS = 16


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="argmine predict",
        description="Annotate raw text with a trained argmine model (spans and relations).",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="text files (.txt), folders (all .txt inside, sorted), - for stdin, data sets "
                             "(.jsonl, .csv, .tsv, also .gz/.zst; .parquet, .arrow, a save_to_disk folder)")
    parser.add_argument("--text-field", default="text", metavar="NAME",
                        help="data sets: the field or column holding the text (default text)")
    parser.add_argument("--id-field", default=None, metavar="NAME",
                        help="data sets: the field or column holding the document id "
                             "(default: <file>:<line>, or <file>:<row> for Parquet/Arrow)")
    parser.add_argument("--model", required=True, metavar="DIR",
                        help="exported model folder (<run>/model) or a checkpoint file")
    parser.add_argument("--format", default=None, metavar="FMT[,FMT]",
                        help=f"comma-separated, of {', '.join(FORMATS)} (default: text on a terminal, "
                             "else jsonl; jsonl with --out); with --shard-size jsonl or parquet")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="output folder (default: stdout; brat and html need --out)")
    parser.add_argument("--shard-size", type=int, default=None, metavar="N",
                        help="write DIR/shards/part-NNNNN.jsonl of N documents each and DIR/manifest.json; "
                             "the same command again resumes after the last finished shard (needs --out)")
    parser.add_argument("--overwrite", action="store_true",
                        help="with --shard-size: delete the folder's shards and manifest and start over")
    parser.add_argument("--progress-every", type=float, default=30.0, metavar="SECONDS",
                        help="when stderr is not a terminal, a progress line every SECONDS (default 30; 0: none)")
    parser.add_argument("--batch-size", type=int, default=16, metavar="N", help="windows per forward pass (short windows are packed into fuller batches)")
    parser.add_argument("--encoding", default="utf-8", help="input text encoding (default utf-8)")
    parser.add_argument("--schema", default="unified", choices=["unified", "native"],
                        help="label set of the output (default unified)")
    parser.add_argument("--unit", default=None, choices=["paragraph", "document"],
                        help="what the model sees at once (default: as trained)")
    parser.add_argument("--max-length", type=int, default=None, metavar="N",
                        help="sub-token window length (transformer models)")
    parser.add_argument("--stride", type=int, default=None, metavar="N",
                        help="sub-token overlap between windows (transformer models)")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"],
                        help="bf16: bfloat16 autocast for the network (faster on CPUs with AVX-512 BF16)")
    return parser


def parse_formats(value: str | None, out: Path | None, tty: bool) -> list[str]:
    if value is None:
        return ["jsonl"] if out is not None or not tty else ["text"]
    formats = [f.strip() for f in value.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ConfigError(f"unknown output format(s) {unknown or value!r}; choose from {', '.join(FORMATS)}")
    formats = list(dict.fromkeys(formats))
    if out is None:
        needs_out = [f for f in formats if f in {"brat", "html"}]
        if needs_out:
            raise ConfigError(f"--format {','.join(needs_out)} writes files: give --out DIR")
        if len(formats) > 1:
            raise ConfigError("without --out only one format can go to stdout; give --out DIR")
    return formats


def shard_format(value: str | None, out: Path | None, shard_size: int) -> str:
    """The one format of sharded output (default jsonl)."""
    if out is None:
        raise ConfigError("--shard-size writes shards to a folder: give --out DIR")
    if shard_size < 1:
        raise ConfigError(f"--shard-size must be at least 1, got {shard_size}")
    fmt = (value or "jsonl").strip()
    if fmt not in SHARD_FORMATS:
        raise ConfigError(f"--shard-size writes {' or '.join(SHARD_FORMATS)} shards, not --format {value}")
    return fmt


def predict_command(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    if args.batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.progress_every < 0:
        raise ConfigError(f"--progress-every must be 0 or more seconds, got {args.progress_every:g}")
    if args.shard_size is not None:
        formats = [shard_format(args.format, args.out, args.shard_size)]
    elif args.overwrite:
        raise ConfigError("--overwrite applies to sharded output: give --shard-size N")
    elif args.format is not None and "parquet" in [f.strip() for f in args.format.split(",")]:
        raise ConfigError("--format parquet writes shards: give --shard-size N and --out DIR")
    else:
        formats = parse_formats(args.format, args.out, sys.stdout.isatty())
    inputs = Inputs(args.inputs, ReadOptions(args.encoding, args.text_field, args.id_field))
    created = False
    if args.out is not None:
        if args.out.exists() and not args.out.is_dir():
            raise ConfigError(f"--out {args.out} exists and is not a folder")
        created = not args.out.exists()
        args.out.mkdir(parents=True, exist_ok=True)
    try:
        return _run(args, formats, inputs)
    finally:
        if created and args.out is not None and not any(args.out.iterdir()):
            args.out.rmdir()  # nothing was written: leave no empty output folder behind


def _run(args: argparse.Namespace, formats: list[str], inputs: Inputs) -> int:
    if args.shard_size is not None:
        return _run_sharded(args, formats[0], inputs)
    predictor = _load(args)
    sink = Sink(formats, args.out, predictor)
    try:
        with Meter(_total(inputs), every=args.progress_every) as meter:
            for item in _annotate(predictor, read_inputs(inputs.sources, inputs.options), inputs, meter):
                if isinstance(item, Document):
                    sink.add(item)
    except BaseException:
        sink.abort()
        raise
    sink.finish()
    _warn_unmapped(predictor)
    if inputs.skipped:
        print(f"argmine predict: {len(inputs.skipped)} skipped, {sink.count} predicted"
              + ("" if sink.count else "; no output written"), file=sys.stderr)
    return 1 if inputs.skipped else 0


def _load(args: argparse.Namespace) -> Any:
    # deferred: the predictor imports torch; input and --out errors come first without it
    from argmine.predict.predictor import Predictor

    return Predictor.load(args.model, batch_size=args.batch_size, schema=args.schema,
                          max_length=args.max_length, stride=args.stride, unit=args.unit,
                          precision=args.precision)


#: the options a sharded run's output depends on (a resumed run must give the same)
OUTPUT_OPTIONS = ("schema", "unit", "max_length", "stride", "precision", "text_field", "id_field",
                  "shard_size", "encoding")


def _run_sharded(args: argparse.Namespace, fmt: str, inputs: Inputs) -> int:
    options = {key: getattr(args, key) for key in OUTPUT_OPTIONS}
    header = run_header(Path(args.model), list(args.inputs), {**options, "format": fmt})
    output = ShardedOutput.open(args.out, header, args.shard_size, fmt, overwrite=args.overwrite)
    manifest = args.out / MANIFEST
    try:
        if output.complete:
            print(f"argmine predict: {manifest}: complete, {_shards(output)}; nothing to predict "
                  "(add --overwrite to start over)", file=sys.stderr)
            return 1 if output.skipped else 0
        predictor = _load(args)
        output.begin()
        before, done = output.documents, output.done_items
        items = iter(read_inputs(inputs.sources, inputs.options))
        if output.shards:
            print(f"argmine predict: resuming {args.out}: {_shards(output)} done", file=sys.stderr)
            output.skip_finished(items)
        total = _total(inputs)
        try:
            with Meter(total, done=done, every=args.progress_every) as meter:
                for item in _annotate(predictor, items, inputs, meter):
                    if isinstance(item, Skipped):
                        output.skip(item)
                    else:
                        output.add(item)
        except BaseException:
            output.abort()
            raise
        output.finish()
    finally:
        output.close()
    _warn_unmapped(predictor)
    earlier = f" ({before:,} in earlier runs)" if before else ""
    print(f"argmine predict: {output.documents - before:,} predicted, {len(inputs.skipped):,} skipped; "
          f"{manifest}: {_shards(output)}{earlier}", file=sys.stderr)
    return 1 if output.skipped else 0


def _shards(output: ShardedOutput) -> str:
    count, documents = len(output.shards), output.documents
    return (f"{documents:,} document{'s' * (documents != 1)} in {count:,} shard{'s' * (count != 1)}, "
            f"{len(output.skipped):,} skipped")


def _total(inputs: Inputs) -> int | None:
    """Input records in all, when known before reading: text inputs only (one each)."""
    if all(isinstance(s, Skipped) or s.fmt == "txt" for s in inputs.sources):
        return len(inputs.sources)
    return None


def _warn_unmapped(predictor: Any) -> None:
    if predictor.mapper is not None and predictor.mapper.unmapped:
        print(f"argmine predict: warning: labels {sorted(predictor.mapper.unmapped)} have no unified "
              "mapping without attributes the model does not predict; kept as is", file=sys.stderr)


def _annotate(predictor: Any, items: Iterable[Record | Skipped], inputs: Inputs,
              meter: Meter) -> Iterator[Document | Skipped]:
    """:func:`_predict`, reporting each skipped record (one line) and counting progress."""
    for item in _predict(predictor, items):
        if isinstance(item, Skipped):
            inputs.skip(item)
            meter.note(f"argmine predict: {_one_line(str(item))}; skipped")
            meter.advance()
        else:
            meter.advance(len(item.text.split()))
        yield item


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _predict(predictor: Any, items: Iterable[Record | Skipped]) -> Iterator[Document | Skipped]:
    """Documents in input order, the records streamed ``CHUNK_DOCUMENTS`` at a time; a
    :class:`Skipped` of the inputs keeps its place, and a record the model cannot take (e.g.
    over the length limit) becomes one."""
    pending: list[Record | Skipped] = []
    records = 0
    for item in items:
        if isinstance(item, Skipped) and not pending:
            yield item
            continue
        pending.append(item)
        if isinstance(item, Record):
            records += 1
            if records >= CHUNK_DOCUMENTS:
                yield from _predict_pending(predictor, pending)
                pending, records = [], 0
    if pending:
        yield from _predict_pending(predictor, pending)


def _predict_pending(predictor: Any, pending: list[Record | Skipped]) -> Iterator[Document | Skipped]:
    results = iter(list(_predict_chunk(predictor, [r for r in pending if isinstance(r, Record)])))
    for item in pending:
        yield item if isinstance(item, Skipped) else next(results)


def _predict_chunk(predictor: Any, chunk: list[Record]) -> Iterator[Document | Skipped]:
    try:
        docs = list(predictor.predict_many([r.text for r in chunk], ids=[r.doc_id for r in chunk]))
    except ArgmineError:  # isolate the failing record(s)
        for record in chunk:
            try:
                yield predictor(record.text, doc_id=record.doc_id)
            except ArgmineError as exc:
                yield Skipped(record.where, str(exc))
        return
    yield from docs


class Sink:
    """Sends each predicted document to the chosen formats (files under ``out`` or stdout)."""

    def __init__(self, formats: list[str], out: Path | None, predictor: Any) -> None:
        self.formats = formats
        self.out = out
        self.predictor = predictor
        self.html_docs: list[Document] = []
        self.span_labels: set[str] = set(predictor.labels)
        self.relation_labels: set[str] = set()
        self.span_attributes: dict[str, set[str]] = {}
        self.streams: dict[str, Any] = {}
        self.count = 0  # documents added
        # brat's <name>.txt must not overwrite the text format's predictions.txt
        self.brat_names: set[str] = {"predictions"} if "text" in formats else set()
        if out is not None:
            if "jsonl" in formats:
                self.streams["jsonl"] = AtomicStream(out / "predictions.jsonl")
            if "text" in formats:
                self.streams["text"] = AtomicStream(out / "predictions.txt")
        self.console = None  # colours on a terminal; piped or redirected text marks spans in brackets
        if out is None and "text" in formats and sys.stdout.isatty():
            # deferred: only colour output on a terminal needs rich's console
            from rich.console import Console

            self.console = Console(highlight=False)
            self.styles = rich_styles(self.span_labels)

    def add(self, doc: Document) -> None:
        self.count += 1
        self.span_labels.update(s.label for s in doc.spans)
        self.relation_labels.update(r.label for r in doc.relations)
        for span in doc.spans:
            for name, value in span.attributes.items():
                self.span_attributes.setdefault(name, set()).add(str(value))
        for fmt in self.formats:
            if fmt == "jsonl":
                line = jsonl_line(doc)
                if self.out is None:
                    sys.stdout.write(line)
                    sys.stdout.flush()
                else:
                    self.streams["jsonl"].write(line)
            elif fmt == "text":
                if self.console is not None:
                    new = {s.label for s in doc.spans} - set(self.styles)
                    if new:
                        self.styles = rich_styles([*self.styles, *new])
                    self.console.print(rich_document(doc, self.styles))
                elif self.out is None:
                    sys.stdout.write(plain_document(doc))
                    sys.stdout.flush()
                else:
                    self.streams["text"].write(plain_document(doc))
            elif fmt == "brat":
                assert self.out is not None
                write_brat(doc, self.out, self._brat_name(doc.id))
            elif fmt == "html":
                self.html_docs.append(doc)

    def _brat_name(self, doc_id: str) -> str:
        """A file name for the document's ``.txt``/``.ann``: its id made safe, unique in the run."""
        base = file_stem(doc_id)
        name, n = base, 1
        while name in self.brat_names:
            n += 1
            name = f"{base}-{n}"
        self.brat_names.add(name)
        return name

    def finish(self) -> None:
        """Commit the outputs; with no document predicted there are none (no empty file that
        looks like a finished run)."""
        if self.count == 0:
            self.abort()
            return
        for stream in self.streams.values():
            stream.commit()
        if self.out is None:
            return
        if "brat" in self.formats:
            atomic_write(self.out / "annotation.conf", brat_conf(self.span_labels, self.relation_labels,
                                                                  self.span_attributes))
            atomic_write(self.out / "visual.conf", brat_visual_conf(self.span_labels))
        if "html" in self.formats:
            atomic_write(self.out / "predictions.html", html_page(self.html_docs))

    def abort(self) -> None:
        for stream in self.streams.values():
            stream.abort()
