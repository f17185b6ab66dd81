#!/usr/bin/env python3
"""Tests/Fixtures/mpnet-tiny: a tiny random-weight MPNet in all-mpnet-base-v2's layout (MPNetModel;
sentence-transformers Transformer + mean Pooling + Normalize), written by transformers itself, with
golden.json in ../shared/fixtures' format (sentence-transformers' encode, max_seq_length 16 truncation,
token embeddings). The tokenizer: bert-base-uncased's vocabulary (../shared/fixtures/all-MiniLM-L6-v2)
with MPNet's <s> <pad> </s> <unk> in front and <mask> at the end (all-mpnet-base-v2's layout, 30527
ids), converted by transformers' MPNet converter; its post-processor written in the form Hub files carry
(TemplateProcessing `<s> $A </s>`, pair `<s> $A </s> </s> $B </s>`; transformers 5 writes RobertaProcessing).

    /tmp/tf5-venv/bin/python scripts/dev/make_mpnet_fixture.py     (venv: see make_xlmr_fixtures.py)
"""
import json
import os
import shutil
import sys
import tempfile

import torch
from transformers import MPNetConfig, MPNetModel, MPNetTokenizer
from sentence_transformers import SentenceTransformer, models

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_xlmr_fixtures import FIXTURES, REPO, hub_layout, standard_golden  # noqa: E402

OUT = os.path.join(FIXTURES, "mpnet-tiny")


def tokenizer(out):
    tmp = tempfile.mkdtemp()
    with open(os.path.join(REPO, "..", "shared", "fixtures", "all-MiniLM-L6-v2", "vocab.txt"), encoding="utf-8") as f:
        bert = [line for line in f.read().split("\n") if line]
    with open(os.path.join(tmp, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(["<s>", "<pad>", "</s>", "<unk>"] + bert + ["<mask>"]) + "\n")
    MPNetTokenizer.from_pretrained(tmp, model_max_length=512).save_pretrained(out)
    shutil.rmtree(tmp)
    path = os.path.join(out, "tokenizer.json")
    with open(path, encoding="utf-8") as f:
        tj = json.load(f)
    special = {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}
    s, e = {"SpecialToken": {"id": "<s>", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}
    e1 = {"SpecialToken": {"id": "</s>", "type_id": 1}}
    tj["post_processor"] = {"type": "TemplateProcessing",
                            "single": [s, {"Sequence": {"id": "A", "type_id": 0}}, e],
                            "pair": [s, {"Sequence": {"id": "A", "type_id": 0}}, e, e, {"Sequence": {"id": "B", "type_id": 1}}, e1],
                            "special_tokens": special}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False, indent=1)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    torch.manual_seed(4)
    tok_dir = tempfile.mkdtemp()
    tokenizer(tok_dir)
    cfg = MPNetConfig(vocab_size=30527, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                      max_position_embeddings=514, relative_attention_num_buckets=32, layer_norm_eps=1e-5,
                      pad_token_id=1, bos_token_id=0, eos_token_id=2)
    model = MPNetModel(cfg)
    with torch.no_grad():  # a bias table large enough to matter beside random attention scores
        model.encoder.relative_attention_bias.weight.mul_(50)
    model.save_pretrained(OUT)
    for name in os.listdir(tok_dir):
        shutil.copy(os.path.join(tok_dir, name), os.path.join(OUT, name))
    shutil.rmtree(tok_dir)
    word = models.Transformer(OUT, max_seq_length=384)
    SentenceTransformer(modules=[word, models.Pooling(32, pooling_mode="mean"), models.Normalize()], device="cpu").save(OUT)
    hub_layout(OUT, pooling={"pooling_mode_mean_tokens": True}, max_seq_length=384)
    st = SentenceTransformer(OUT, device="cpu")

    golden = standard_golden(st, "MPNetModel")
    with open(os.path.join(OUT, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False)
    print(f"wrote {OUT}: {len(golden['cases'])} texts, longest {max(len(c['input_ids']) for c in golden['cases'])} tokens")


if __name__ == "__main__":
    main()
