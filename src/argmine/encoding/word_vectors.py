"""Pre-trained word vectors for a word vocabulary: word2vec/GloVe text files
(:func:`load_word_vectors`) or a Hugging Face encoder's input embeddings (:func:`encoder_word_vectors`).
Used by the word featurizer (:mod:`argmine.encoding.word_features`) to initialise a tagger's embeddings."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import torch

from argmine.encoding.encoders import resolve_encoder
from argmine.errors import ArgmineError
from argmine.quiet import quiet_transformers_loading


def _open_text(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="strict")
    return path.open(encoding="utf-8")


def load_word_vectors(
    path: str | Path, vocab: dict[str, int], dim: int, seed: int = 0
) -> tuple[torch.Tensor, int]:
    """Embedding matrix for ``vocab`` from a word2vec/GloVe text file (``.gz`` allowed).

    Each line is ``word v1 ... v_dim`` (the word may contain spaces; the last ``dim`` fields are
    the vector); a word2vec header line ``count dim`` is skipped. Vocabulary words missing from the
    file fall back to their lowercase form, then to a random row ``U(-sqrt(3/dim), sqrt(3/dim))``;
    row 0 (padding) is zero.

    Returns:
        ``(matrix [len(vocab), dim], hits)`` where ``hits`` counts vocabulary words found.

    Raises:
        ArgmineError: the file is missing, or a line (named as ``path:line``) is malformed.
    """
    path = Path(path)
    if not path.is_file():
        raise ArgmineError(f"word vectors file {path} does not exist")
    wanted = set(vocab) | {w.lower() for w in vocab}
    found: dict[str, torch.Tensor] = {}
    try:
        with _open_text(path) as handle:
            for lineno, line in enumerate(handle, start=1):
                fields = line.rstrip("\r\n").rstrip(" ").split(" ")
                if lineno == 1 and len(fields) == 2 and all(f.isdigit() for f in fields):
                    if int(fields[1]) != dim:
                        raise ArgmineError(
                            f"{path}:1: header says dimension {fields[1]}, expected {dim}"
                        )
                    continue
                if not line.strip():
                    continue
                if len(fields) < dim + 1:
                    raise ArgmineError(
                        f"{path}:{lineno}: expected a word and {dim} numbers, got {len(fields)} fields"
                    )
                word = " ".join(fields[:-dim])
                if word not in wanted or word in found:
                    continue
                try:
                    found[word] = torch.tensor([float(v) for v in fields[-dim:]])
                except ValueError as exc:
                    raise ArgmineError(
                        f"{path}:{lineno}: not a number in vector of {word!r}: {exc}"
                    ) from exc
    except UnicodeDecodeError as exc:
        raise ArgmineError(f"{path}: not UTF-8 text ({exc})") from exc
    gen = torch.Generator().manual_seed(seed)
    bound = math.sqrt(3 / dim)
    matrix = torch.rand(len(vocab), dim, generator=gen) * 2 * bound - bound
    hits = 0
    for word, index in vocab.items():
        vec = found.get(word)
        if vec is None:
            vec = found.get(word.lower())
        if vec is not None:
            matrix[index] = vec
            hits += 1
    if 0 in vocab.values():
        matrix[0] = 0.0
    return matrix, hits


def encoder_word_vectors(
    encoder: str, vocab: dict[str, int], seed: int = 0
) -> tuple[torch.Tensor, int]:
    """Word vectors for ``vocab`` from a Hugging Face encoder's input (sub-word) embeddings.

    Each word's vector is the mean of its sub-word embeddings (``minilm`` = the offline
    all-MiniLM-L6-v2; any other name or folder is loaded through ``transformers``). Rows are
    rescaled to the spread of the random initialisation (``U(-sqrt(3/dim), sqrt(3/dim))``) so
    they fit the rest of the network. This is a substitute for word2vec/GloVe files where none
    is available offline; it is not contextual. Row 0 (padding) is zero.

    Returns:
        ``(matrix [len(vocab), dim], hits)``; ``hits`` counts words made only of known pieces.
    """
    from transformers import AutoModel, AutoTokenizer  # deferred: transformers is slow to import

    path = resolve_encoder(encoder)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        with quiet_transformers_loading():  # only the input embeddings are used: the report would list the rest
            table = AutoModel.from_pretrained(path).get_input_embeddings().weight.detach()
    except OSError as exc:
        raise ArgmineError(f"cannot load encoder {encoder!r} for word vectors: {exc}") from exc
    words = list(vocab)
    pieces = tokenizer(words, add_special_tokens=False)["input_ids"]
    dim = table.size(1)
    gen = torch.Generator().manual_seed(seed)
    bound = math.sqrt(3 / dim)
    matrix = torch.rand(len(vocab), dim, generator=gen) * 2 * bound - bound
    unk = tokenizer.unk_token_id
    hits = 0
    rows = []
    for word, ids in zip(words, pieces, strict=True):
        if ids and unk not in ids:
            rows.append((vocab[word], ids))
    if rows:
        vectors = torch.stack([table[ids].mean(0) for _, ids in rows])
        vectors = vectors / vectors.std().clamp_min(1e-8) * (bound / math.sqrt(3))
        for (index, _), vec in zip(rows, vectors, strict=True):
            matrix[index] = vec
        hits = len(rows)
    if 0 in vocab.values():
        matrix[0] = 0.0
    return matrix, hits
