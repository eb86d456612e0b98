"""The three ways the search turns text into vectors, best first, so the feature never disappears.

- ``embeddings`` (the default): the local all-MiniLM-L6-v2 model of :mod:`.minilm`,
  offline, meaning-aware ("kitchen appliance" finds kettles);
- ``openai``: OpenAI's embeddings API, only when chosen with ``ELT_SEARCH_ENGINE=openai``
  and a key is set — indexing sends cell values to the service, so it is never the
  silent default just because a key exists for other features;
- ``tfidf``: character n-gram TF-IDF (hashed, so it needs no fitted vocabulary and
  refreshes incrementally), when the model package is missing.

Every encoder returns one L2-normalised row per text: dense float32 for the models,
a SciPy CSR matrix for TF-IDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from elt_project.analytics.search import minilm
from elt_project.errors import ConfigurationError

ENGINES = ("embeddings", "openai", "tfidf")
OPENAI_MODEL = "text-embedding-3-small"
_OPENAI_BATCH = 256
_TFIDF_FEATURES = 2**18


class MiniLMEncoder:
    """The local model, with its matrix products on one BLAS thread (see :meth:`encode`)."""

    name = "embeddings"
    model_id = minilm.MODEL_ID
    dense = True

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts``.

        One BLAS thread: the model's matrices are small, and OpenBLAS's thread pool on
        a busy machine made encoding about ten times slower than a single thread.
        """
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return minilm.load().encode(list(texts))


class TfidfEncoder:
    """Hashed character 3–5-grams within words: typo- and plural-tolerant keyword matching."""

    name = "tfidf"
    model_id = f"hashed-char-3-5-{_TFIDF_FEATURES}"
    dense = False

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self._vectorizer = HashingVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), n_features=_TFIDF_FEATURES, alternate_sign=False, norm="l2"
        )

    def encode(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self._vectorizer.transform(list(texts)).astype(np.float32).tocsr()


@dataclass
class OpenAIEncoder:
    """OpenAI embeddings (``text-embedding-3-small``); the base URL may point at a compatible service."""

    api_key: str
    base_url: str | None = None

    name = "openai"
    model_id = OPENAI_MODEL
    dense = True

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import openai

        client = openai.OpenAI(api_key=self.api_key, base_url=self.base_url, timeout=60, max_retries=2)
        rows: list[list[float]] = []
        try:
            for start in range(0, len(texts), _OPENAI_BATCH):
                batch = [t or " " for t in texts[start : start + _OPENAI_BATCH]]
                response = client.embeddings.create(model=OPENAI_MODEL, input=batch)
                rows.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
        except openai.OpenAIError as exc:
            raise ConfigurationError(
                f"The OpenAI embeddings service refused the request ({type(exc).__name__}); check OPENAI_API_KEY "
                "or unset ELT_SEARCH_ENGINE to use the local model."
            ) from exc
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def choose_encoder(prefer: str | None = None, *, openai_api_key: str | None = None, openai_base_url: str | None = None):
    """The encoder for ``prefer`` (``ELT_SEARCH_ENGINE``), else the local model, else TF-IDF."""
    choice = (prefer or "").strip().lower()
    if choice and choice not in ENGINES:
        raise ConfigurationError(f"ELT_SEARCH_ENGINE is '{prefer}'; use one of {', '.join(ENGINES)} or leave it unset.")
    if choice == "openai":
        if not openai_api_key:
            raise ConfigurationError(
                "ELT_SEARCH_ENGINE=openai needs OPENAI_API_KEY; set it or unset ELT_SEARCH_ENGINE."
            )
        return OpenAIEncoder(api_key=openai_api_key, base_url=openai_base_url)
    if choice == "tfidf" or not minilm.available():
        return TfidfEncoder()
    return MiniLMEncoder()
