#!/usr/bin/env python3
"""Tests/Fixtures/splade-tiny: a tiny random-weight SPLADE model (BertForMaskedLM under sentence-transformers'
SparseEncoder: MLMTransformer + SpladePooling, as naver/splade-v3 and opensearch's SPLADE models are laid out),
written by transformers and sentence-transformers themselves, with bert-base-uncased's vocabulary (the
tokenizer files of ../shared/fixtures/all-MiniLM-L6-v2), and its references in golden.json:

- `cases`: SparseEncoder.encode of each text (max pooling, relu): token ids, then the nonzero
  (index, value) pairs, indices ascending;
- `variants`: the same texts through SpladePooling(sum) and SpladePooling(max, log1p_relu) on the same
  MLM (the Swift test rewrites 1_SpladePooling/config.json to match);
- `max_active_dims`: SparseEncoder.encode(max_active_dims=8), the 8 largest values of each;
- `decoded`: SparseEncoder.decode(top_k=5): each vector's five largest as (token text, value).

    python3 -m venv /tmp/sparse-venv && /tmp/sparse-venv/bin/pip install torch \
        sentence-transformers==5.1.2 transformers==4.57.1
    /tmp/sparse-venv/bin/python scripts/dev/make_sparse_fixture.py
"""
import json
import os
import shutil

import torch
import transformers
import sentence_transformers
import tokenizers
from transformers import BertConfig, BertForMaskedLM
from sentence_transformers import SparseEncoder
from sentence_transformers.sparse_encoder.models import MLMTransformer, SpladePooling

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE = os.path.join(REPO, "..", "shared", "fixtures", "all-MiniLM-L6-v2")
OUT = os.path.join(REPO, "Tests", "Fixtures", "splade-tiny")

TEXTS = [
    "what is a panda?",
    "The giant panda is a bear native to South Central China.",
    "  Spaces around the text  ",
    "",
    "Café naïve résumé déjà vu, FAÇADE!",
    "今天天气怎么样?",
    " ".join(f"word{i}" for i in range(300)),   # past max_seq_length (256): cut
]


def sparse_rows(tensor):
    """Per row of a (coalesced) torch sparse or dense tensor: ascending indices and their values."""
    dense = tensor.to_dense() if tensor.is_sparse else tensor
    rows = []
    for row in dense:
        idx = torch.nonzero(row, as_tuple=False).flatten().tolist()
        rows.append({"indices": idx, "values": [float(row[i]) for i in idx]})
    return rows


def main():
    torch.manual_seed(20261207)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    work = OUT + "-mlm"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    for name in ["tokenizer.json", "vocab.txt", "special_tokens_map.json", "tokenizer_config.json"]:
        shutil.copy(os.path.join(SOURCE, name), os.path.join(work, name))

    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=512, architectures=["BertForMaskedLM"])
    model = BertForMaskedLM(config)
    with torch.no_grad():
        # A sparse output, as a trained SPLADE's: logits spread around a negative bias, so that a few
        # hundred vocabulary entries of a text are positive.
        model.bert.embeddings.word_embeddings.weight.mul_(9)
        model.cls.predictions.bias.fill_(-3.5)
    model.save_pretrained(work, safe_serialization=True)

    mlm = MLMTransformer(work, max_seq_length=256)
    encoder = SparseEncoder(modules=[mlm, SpladePooling(pooling_strategy="max", activation_function="relu")], device="cpu")
    encoder.save(OUT)
    shutil.rmtree(work)
    os.remove(os.path.join(OUT, "README.md"))   # the generated model card

    encoder = SparseEncoder(OUT, device="cpu")
    emb = encoder.encode(TEXTS, convert_to_sparse_tensor=True)
    cases = []
    for text, row in zip(TEXTS, sparse_rows(emb)):
        ids = encoder.tokenize([text])["input_ids"][0].tolist()
        cases.append({"text": text, "input_ids": ids, **row})

    variants = []
    for strategy, activation in [("sum", "relu"), ("max", "log1p_relu")]:
        variant = SparseEncoder(modules=[encoder[0], SpladePooling(pooling_strategy=strategy, activation_function=activation)],
                                device="cpu")
        rows = sparse_rows(variant.encode(TEXTS, convert_to_sparse_tensor=True))
        variants.append({"pooling_strategy": strategy, "activation_function": activation, "cases": rows})

    top8 = sparse_rows(encoder.encode(TEXTS, convert_to_sparse_tensor=True, max_active_dims=8))
    decoded = [[[t, float(v)] for t, v in d] for d in encoder.decode(emb, top_k=5)]

    golden = {
        "note": "sentence-transformers SparseEncoder.encode over transformers BertForMaskedLM, fp32",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "sentence-transformers": sentence_transformers.__version__, "tokenizers": tokenizers.__version__},
        "tokenizer_source": "../shared/fixtures/all-MiniLM-L6-v2 (bert-base-uncased's vocabulary)",
        "max_seq_length": encoder.max_seq_length,
        "dimension": encoder.get_sentence_embedding_dimension(),
        "cases": cases,
        "variants": variants,
        "max_active_dims": {"k": 8, "cases": top8},
        "decoded": decoded,
    }
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(golden, f, ensure_ascii=False, separators=(",", ":"))
    print(f"wrote {OUT}: {len(cases)} texts, nonzeros per text {[len(c['indices']) for c in cases]}")


if __name__ == "__main__":
    main()
