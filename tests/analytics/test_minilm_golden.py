"""Our NumPy tokenizer and forward pass against reference outputs of the upstream implementation.

``data/minilm_golden.json`` was written once by ``bench/minilm_golden.py`` with Hugging Face
``tokenizers`` (the package's own ``tokenizer.json``) and ``transformers`` (PyTorch, CPU):
token ids for strings that exercise each tokenizer step (accents, CJK, emoji, punctuation,
control characters, over-long words, casing, numbers, truncation) and three sentence vectors.
A change to either side of the model that shifts a token or a vector turns these red.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from elt_project.analytics.search import minilm

GOLDEN = json.loads((Path(__file__).parent / "data" / "minilm_golden.json").read_text(encoding="utf-8"))

pytestmark = pytest.mark.skipif(not minilm.available(), reason="embedding model package not installed")


@pytest.fixture(scope="module")
def tokenizer() -> minilm.WordPiece:
    return minilm.WordPiece(minilm.checked_model_dir() / "vocab.txt")


@pytest.mark.parametrize("case", GOLDEN["tokens"], ids=lambda case: repr(case["text"][:24]))
def test_token_ids_match_the_reference_tokenizer(tokenizer, case):
    assert tokenizer.encode(case["text"]) == case["ids"]


def test_golden_strings_cover_each_tokenizer_step(tokenizer):
    """The set keeps cases that only pass when accents are stripped, CJK split and long words unknown."""
    texts = [case["text"] for case in GOLDEN["tokens"]]
    assert any("é" in t for t in texts) and any("北" in t for t in texts) and any(len(t) > 100 for t in texts)
    truncated = [case for case in GOLDEN["tokens"] if len(case["ids"]) == minilm.MAX_TOKENS]
    assert truncated, "a case longer than the token limit pins the truncation"


def test_sentence_vectors_match_the_reference_forward_pass():
    model = minilm.load()
    texts = [case["text"] for case in GOLDEN["embeddings"]]
    ours = model.encode(texts)  # one batch: padding of the shorter texts must not change them
    for row, case in zip(ours, GOLDEN["embeddings"]):
        assert model.tokenizer.encode(case["text"]) == case["ids"]
        reference = np.asarray(case["vector"], dtype=np.float64)
        assert np.max(np.abs(row - reference)) < 1e-5, case["text"]  # measured: ~1e-7
        assert float(row @ reference) > 0.99999, case["text"]
