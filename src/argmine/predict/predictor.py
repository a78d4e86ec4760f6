"""Raw text in, argument structure out: the Python prediction API.

``argmine.load(DIR)`` returns a :class:`Predictor`; ``predictor("some text")`` returns a
:class:`~argmine.documents.Document` with predicted spans (and relations when the model predicts
structure). Long units are cut into overlapping windows by the featurizer and stitched back
before decoding, so spans crossing a window border are kept whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import torch

from argmine.data.datamodule import featurize_unit, window_length
from argmine.documents import Document, Span
from argmine.encoding.units import Unit, make_units
from argmine.errors import ArgmineError
from argmine.text.tokenize import paragraph_spans

MAX_TEXT_CHARS = 5_000_000


class Predictor:
    """Annotates raw texts with a trained tagger.

    Args:
        module: a :class:`~argmine.models.TaggerModule` (see :meth:`load`).
        unit: ``paragraph`` or ``document`` (default: what the model was trained on).
        batch_size: windows per forward pass; windows are sorted by length before batching.
        label_map: optional mapping applied to predicted labels (e.g. native -> unified).
    """

    def __init__(self, module: Any, unit: str = "paragraph", batch_size: int = 32,
                 label_map: dict[str, str] | None = None, metadata: dict[str, Any] | None = None) -> None:
        self.module = module.eval()
        self.unit = unit
        self.batch_size = batch_size
        self.label_map = dict(label_map or {})
        self.metadata = dict(metadata or {})

    @classmethod
    def load(cls, path: str | Path, batch_size: int = 32, **overrides: Any) -> Predictor:
        """From an exported model folder (``<run>/model``) or a checkpoint file."""
        from argmine.training.export import MODEL_FILE, load_module

        path = Path(path)
        module = load_module(path)
        metadata: dict[str, Any] = {}
        if path.is_dir():
            import json

            metadata = json.loads((path / MODEL_FILE).read_text(encoding="utf-8")).get("metadata", {})
        unit = overrides.pop("unit", None) or metadata.get("unit", "paragraph")
        featurizer_opts = {k: overrides.pop(k) for k in ("max_length", "stride") if k in overrides}
        if featurizer_opts and hasattr(module.featurizer, "reconfigure"):
            module.featurizer.reconfigure(**featurizer_opts)
        return cls(module, unit=unit, batch_size=batch_size, metadata=metadata, **overrides)

    @property
    def labels(self) -> list[str]:
        return [self.label_map.get(lab, lab) for lab in self.module.span_labels]

    def __call__(self, text: str, doc_id: str = "doc") -> Document:
        return next(iter(self.predict_many([text], ids=[doc_id])))

    def predict_many(self, texts: Iterable[str], ids: Iterable[str] | None = None,
                     batch_size: int | None = None, chunk_documents: int = 64) -> Iterator[Document]:
        """Annotate texts, streaming: documents are processed ``chunk_documents`` at a time."""
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
        module = self.module
        units: list[tuple[int, Unit]] = []
        for di, doc in enumerate(docs):
            units.extend((di, u) for u in make_units(doc, self.unit) if u.n_tokens)
        windows = []
        for ui, (di, unit) in enumerate(units):
            for window in featurize_unit(module.featurizer, docs[di].text, unit):
                if window["word_range"][1] > window["word_range"][0]:
                    windows.append((ui, window))
        windows.sort(key=lambda item: window_length(item[1]))
        collected: dict[int, list[tuple[int, int, torch.Tensor]]] = {}
        for i in range(0, len(windows), batch_size):
            chunk = windows[i : i + batch_size]
            batch = module.featurizer.collate([w for _, w in chunk], None)
            batch = {k: v.to(module.device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
            emissions = module.net.emissions(batch).float().cpu()
            lengths = batch["mask"].sum(dim=1).tolist()
            for b, (ui, window) in enumerate(chunk):
                first, last = window["word_range"]
                collected.setdefault(ui, []).append((first, last, emissions[b, : lengths[b]]))
        order = sorted(collected)
        decoded = module.decode_units([(units[ui][1].n_tokens, collected[ui]) for ui in order])
        per_doc: dict[int, tuple[list[Any], list[Any]]] = {di: ([], []) for di in range(len(docs))}
        for ui, (tag_ids, conf) in zip(order, decoded, strict=True):
            di, unit = units[ui]
            spans, relations = module.tags_to_structure(unit.tokens, tag_ids, conf)
            per_doc[di][0].extend(spans)
            per_doc[di][1].extend(relations)
        from argmine.models.module import _renumber

        out = []
        for di, doc in enumerate(docs):
            spans, relations = _renumber(*per_doc[di])
            if self.label_map:
                spans = [Span(s.start, s.end, self.label_map.get(s.label, s.label), s.id, dict(s.attributes), s.score)
                         for s in spans]
            out.append(doc.replace(spans=spans, relations=relations))
        return out


def load(path: str | Path, **kwargs: Any) -> Predictor:
    """``argmine.load(DIR)``: a :class:`Predictor` for an exported model folder or checkpoint."""
    return Predictor.load(path, **kwargs)
