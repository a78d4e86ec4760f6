"""Raw text in, argument structure out: the Python prediction API.

``argmine.load(DIR)`` returns a :class:`Predictor`; ``predictor("some text")`` returns a
:class:`~argmine.documents.Document` with predicted spans (and relations when the model predicts
structure). Long units are cut into overlapping windows by the featurizer and stitched back
before decoding, so spans crossing a window border are kept whole.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import torch

from argmine.data.datamodule import window_length
from argmine.documents import Document, Span
from argmine.encoding.units import UNIT_KINDS
from argmine.errors import ArgmineError, ConfigError
from argmine.models.export import MODEL_FILE, load_module
from argmine.predict.labels import UnifiedMapper, check_schema_option
from argmine.tasks import TaggingTask, UnitDecoding, window_output
from argmine.text.tokenize import paragraph_spans

MAX_TEXT_CHARS = 5_000_000


class Predictor:
    """Annotates raw texts with a trained tagger.

    Args:
        module: a :class:`~argmine.models.TaggerModule` (see :meth:`load`).
        unit: ``paragraph`` or ``document`` (default: what the model was trained on).
        batch_size: windows per forward pass; windows are sorted by length before batching.
        batch_tokens: batches of short windows grow beyond ``batch_size`` while the padded batch
            stays within this many tokens (sub-tokens or words): fewer, fuller forward passes.
        label_map: optional mapping applied to predicted span labels (applied after ``mapper``).
        metadata: the exported model's metadata (corpus, schema, unit).
        mapper: optional document -> document label mapping (native -> unified, see
            :mod:`argmine.predict.labels`).
        precision: ``fp32`` (default) or ``bf16``: the network's forward pass under CPU/GPU
            bfloat16 autocast (faster on CPUs with AVX-512 BF16 or AMX; predictions can differ
            slightly from fp32, decoding stays in fp32). With ``bf16`` the weights of a
            transformer encoder's linear layers are stored in bfloat16 (in place, on ``module``),
            so autocast does not cast them again in every forward pass; the results are those
            of plain autocast, which rounds the same weights the same way.
    """

    PRECISIONS = ("fp32", "bf16")

    def __init__(self, module: Any, unit: str = "paragraph", batch_size: int = 16, batch_tokens: int = 512,
                 label_map: dict[str, str] | None = None, metadata: dict[str, Any] | None = None,
                 mapper: UnifiedMapper | None = None, precision: str = "fp32") -> None:
        if precision not in self.PRECISIONS:
            raise ConfigError(f"precision must be one of {self.PRECISIONS}, got {precision!r}")
        self.precision = precision
        if unit not in UNIT_KINDS:
            raise ConfigError(f"unit must be one of {UNIT_KINDS}, got {unit!r}")
        if batch_size < 1:
            raise ConfigError(f"batch size must be at least 1, got {batch_size}")
        self.module = module.eval()
        if precision == "bf16":
            _store_linear_weights_in_bf16(getattr(getattr(module, "net", None), "encoder", None))
        self.unit = unit
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.label_map = dict(label_map or {})
        self.metadata = dict(metadata or {})
        self.mapper = mapper
        self.task = TaggingTask(module.featurizer, module.tag_vocab, unit=unit, target=module.target)

    @classmethod
    def load(cls, path: str | Path, batch_size: int = 16, schema: str = "unified",
             max_length: int | None = None, stride: int | None = None, **overrides: Any) -> Predictor:
        """From an exported model folder (``<run>/model``) or a checkpoint file.

        ``schema="unified"`` maps a native-schema model's labels onto the unified schema
        (:mod:`argmine.predict.labels`); ``"native"`` keeps the model's labels. ``max_length`` /
        ``stride`` change the sub-word window size and overlap of transformer models.
        """
        check_schema_option(schema)
        path = Path(path)
        if not path.exists():
            raise ArgmineError(f"model not found: {path} (expected an exported model folder or a checkpoint)")
        module = load_module(path)
        metadata: dict[str, Any] = {}
        if path.is_dir():
            metadata = json.loads((path / MODEL_FILE).read_text(encoding="utf-8")).get("metadata", {})
        unit = overrides.pop("unit", None) or metadata.get("unit", "paragraph")
        if max_length is not None or stride is not None:
            set_windows(module.featurizer, max_length, stride)
        mapper = None
        if schema == "unified":
            mapper = UnifiedMapper.for_model(metadata, list(module.span_labels))
        return cls(module, unit=unit, batch_size=batch_size, metadata=metadata, mapper=mapper, **overrides)

    def _autocast(self, device: torch.device) -> Any:
        """bfloat16 autocast for ``bf16``. On a CPU whose oneDNN has no bfloat16 kernels (no
        AVX-512 BF16 / AMX, e.g. AMD Zen 1-3), oneDNN cannot build a bfloat16 LSTM, so oneDNN is
        switched off inside the context and torch's own kernels run it (slower, same rounding)."""
        if self.precision != "bf16":
            return contextlib.nullcontext()
        stack = contextlib.ExitStack()
        if device.type == "cpu" and not torch.ops.mkldnn._is_mkldnn_bf16_supported():
            stack.enter_context(torch.backends.mkldnn.flags(enabled=False))
        stack.enter_context(torch.autocast(device.type, dtype=torch.bfloat16))
        return stack

    @property
    def labels(self) -> list[str]:
        """The span labels this predictor can output (after mapping)."""
        native = list(self.module.span_labels)
        mapped = self.mapper.labels(native) if self.mapper else native
        return sorted({self.label_map.get(lab, lab) for lab in mapped})

    def __call__(self, text: str, doc_id: str = "doc") -> Document:
        return next(iter(self.predict_many([text], ids=[doc_id])))

    def predict_many(self, texts: Iterable[str], ids: Iterable[str] | None = None,
                     batch_size: int | None = None, chunk_documents: int = 64) -> Iterator[Document]:
        """Annotate texts, streaming: documents are processed ``chunk_documents`` at a time.

        ``ids`` names the documents (default ``doc1, doc2, ...``). Yields one
        :class:`~argmine.documents.Document` per text, in input order.
        """
        if chunk_documents < 1:
            raise ConfigError(f"chunk_documents must be at least 1, got {chunk_documents}")
        id_iter = iter(ids) if ids is not None else None
        chunk: list[Document] = []
        for n, text in enumerate(texts):
            doc_id = next(id_iter) if id_iter is not None else f"doc{n + 1}"
            chunk.append(self._document(text, doc_id))
            if len(chunk) >= chunk_documents:
                yield from self._predict_documents(chunk, batch_size or self.batch_size)
                chunk = []
        if chunk:
            yield from self._predict_documents(chunk, batch_size or self.batch_size)

    @staticmethod
    def _document(text: str, doc_id: str) -> Document:
        if not isinstance(text, str):
            raise ArgmineError(f"{doc_id}: expected text (str), got {type(text).__name__}")
        if len(text) > MAX_TEXT_CHARS:
            raise ArgmineError(f"{doc_id}: text has {len(text):,} characters, more than the limit {MAX_TEXT_CHARS:,}")
        paragraphs = [Span(a, b, "paragraph") for a, b in paragraph_spans(text)]
        return Document(id=doc_id, text=text, partitions={"paragraphs": paragraphs})

    @torch.inference_mode()
    def _predict_documents(self, docs: list[Document], batch_size: int) -> list[Document]:
        """Encode the documents' units, run the network over their windows (shortest first),
        decode each unit's stitched windows and each document through the task."""
        units = [(di, enc) for di, doc in enumerate(docs) for enc in self.task.encode(doc, targets=False, empty=False)]
        windows = [(enc, w) for _, enc in units for w, window in enumerate(enc.windows)
                   if window["word_range"][1] > window["word_range"][0]]
        windows.sort(key=lambda item: window_length(item[0].windows[item[1]]))
        lengths = [window_length(enc.windows[w]) for enc, w in windows]
        position = {id(enc): ui for ui, (_, enc) in enumerate(units)}
        collected: dict[int, list[tuple[Any, ...]]] = {}
        for a, b in _pack(lengths, batch_size, self.batch_tokens):
            chunk = windows[a:b]
            batch = self.task.collate(chunk)
            batch = {k: v.to(self.module.device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
            with self._autocast(self.module.device):
                emissions, states = self.module.window_outputs(batch)
            n_words = batch["mask"].sum(dim=1).tolist()
            for row, (enc, w) in enumerate(chunk):
                first, last = enc.windows[w]["word_range"]
                collected.setdefault(position[id(enc)], []).append(
                    window_output(first, last, emissions, states, row, n_words[row]))
        order = sorted(collected)
        per_doc: list[list[UnitDecoding]] = [[] for _ in docs]
        for ui, decoded in zip(order, self.task.decode_units([(units[ui][1].unit, collected[ui]) for ui in order],
                                                              self.module.net), strict=True):
            per_doc[units[ui][0]].append(decoded)
        return [self._relabel(self.task.decode(doc, per_doc[di])) for di, doc in enumerate(docs)]

    def _relabel(self, doc: Document) -> Document:
        """The output label set: ``mapper`` (native -> unified), then ``label_map``."""
        if self.mapper is not None:
            doc = self.mapper(doc)
        if self.label_map:
            doc = doc.replace(spans=[
                Span(s.start, s.end, self.label_map.get(s.label, s.label), s.id, dict(s.attributes), s.score)
                for s in doc.spans])
        return doc


def _store_linear_weights_in_bf16(encoder: torch.nn.Module | None) -> None:
    """Cast the linear layers of a transformer encoder to bfloat16 (embeddings and layer norms
    stay fp32). Only called for ``precision="bf16"``, whose forward passes run under autocast,
    which would round these weights to bfloat16 on every call anyway."""
    if encoder is None:
        return
    for layer in encoder.modules():
        if isinstance(layer, torch.nn.Linear):
            layer.to(torch.bfloat16)


def _pack(lengths: list[int], batch_size: int, batch_tokens: int) -> list[tuple[int, int]]:
    """``(start, end)`` batches over ascending ``lengths``: a batch takes the next item while it
    has fewer than ``batch_size`` items or the padded size stays within ``batch_tokens``."""
    out, start = [], 0
    for i, length in enumerate(lengths):
        count = i - start
        if count and count >= batch_size and (count + 1) * length > batch_tokens:
            out.append((start, i))
            start = i
    if start < len(lengths):
        out.append((start, len(lengths)))
    return out


def set_windows(featurizer: Any, max_length: int | None, stride: int | None) -> None:
    """Change a sub-word featurizer's window length / overlap (transformer models only)."""
    if not hasattr(featurizer, "reconfigure"):
        raise ConfigError("--max-length/--stride apply to transformer (sub-word) models only; "
                          f"this model uses {type(featurizer).__name__}")
    featurizer.reconfigure(max_length=max_length, stride=stride)


def load(path: str | Path, **kwargs: Any) -> Predictor:
    """``argmine.load(DIR)``: a :class:`Predictor` for an exported model folder or checkpoint."""
    return Predictor.load(path, **kwargs)
