#!/usr/bin/env python3
"""Held-out configurations of each model family: shapes and poolings that no committed fixture has (other head
counts and head sizes, layer counts, padded vocabularies, rotary bases, window sizes, layer patterns, grouped-query
ratios, pooling modes with and without Normalize), each built with random weights by transformers 5.23.0, written
in the Hub layout the family's fixture script writes, encoded by sentence-transformers 6.3.0 and by `embedkit embed`;
prints the worst |difference| per configuration and exits 1 if any exceeds 1e-4.

    swift build -c release && /tmp/tf5-venv/bin/python scripts/dev/check_held_out_families.py [path/to/embedkit]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch
from safetensors.torch import save_file
from transformers import (MPNetConfig, MPNetModel, ModernBertConfig, ModernBertModel, NomicBertConfig, NomicBertModel,
                          Qwen3Config, Qwen3Model, XLMRobertaConfig, XLMRobertaModel)
from sentence_transformers import SentenceTransformer, models

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_xlmr_fixtures import FIXTURES, REPO, TEXTS, hub_layout, write_config  # noqa: E402
import make_modernbert_fixture  # noqa: E402
import make_nomic_fixture  # noqa: E402
import make_qwen3_fixture  # noqa: E402

EMBEDKIT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, ".build", "release", "embedkit")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json")
MODES = {"cls": "pooling_mode_cls_token", "mean": "pooling_mode_mean_tokens", "max": "pooling_mode_max_tokens",
         "mean_sqrt_len_tokens": "pooling_mode_mean_sqrt_len_tokens", "lasttoken": "pooling_mode_lasttoken"}


def copy_tokenizer(fixture, out):
    for name in TOKENIZER_FILES:
        src = os.path.join(FIXTURES, fixture, name)
        if os.path.exists(src):
            shutil.copy(src, os.path.join(out, name))


def sentence_transformer(out, hidden, pooling, normalize, max_seq_length):
    """Transformer + Pooling (+ Normalize) saved over the model in `out`, in the Hub layout."""
    mods = [models.Transformer(out, max_seq_length=max_seq_length), models.Pooling(hidden, pooling_mode=pooling)]
    SentenceTransformer(modules=mods + ([models.Normalize()] if normalize else []), device="cpu").save(out)


def finish(out, fixture, pooling, max_seq_length):
    copy_tokenizer(fixture, out)   # sentence-transformers 6 rewrote the tokenizer files: the fixture's again
    hub_layout(out, pooling={MODES[pooling]: True}, max_seq_length=max_seq_length)


def xlmr(out, hidden, heads, layers, pooling, normalize):
    vocab = json.load(open(os.path.join(FIXTURES, "xlmr-tiny", "config.json")))["vocab_size"]
    XLMRobertaModel(XLMRobertaConfig(vocab_size=vocab + 37, hidden_size=hidden, num_hidden_layers=layers,
                                     num_attention_heads=heads, intermediate_size=3 * hidden, max_position_embeddings=514,
                                     type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                                     layer_norm_eps=1e-5)).save_pretrained(out)
    copy_tokenizer("xlmr-tiny", out)
    sentence_transformer(out, hidden, pooling, normalize, 512)
    finish(out, "xlmr-tiny", pooling, 512)


def mpnet(out, hidden, heads, layers, pooling, normalize):
    model = MPNetModel(MPNetConfig(vocab_size=30527, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                                   intermediate_size=2 * hidden, max_position_embeddings=514, layer_norm_eps=1e-5,
                                   pad_token_id=1, bos_token_id=0, eos_token_id=2))
    with torch.no_grad():
        model.encoder.relative_attention_bias.weight.mul_(50)
    model.save_pretrained(out)
    copy_tokenizer("mpnet-tiny", out)
    sentence_transformer(out, hidden, pooling, normalize, 384)
    finish(out, "mpnet-tiny", pooling, 384)


def nomic(out, hidden, heads, layers, pooling, normalize, theta=1000.0, vocab=30528):
    cfg = NomicBertConfig(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                          intermediate_size=2 * hidden + 16, hidden_act="silu", max_position_embeddings=8192,
                          type_vocab_size=2, layer_norm_eps=1e-12, pad_token_id=0,
                          rope_parameters={"rope_type": "default", "rope_theta": theta})
    model = NomicBertModel(cfg).eval()
    with torch.no_grad():
        for layer in model.layers:
            layer.self_attn.q_proj.weight.mul_(8)
            layer.self_attn.k_proj.weight.mul_(8)
    model.save_pretrained(out)
    make_nomic_fixture.tokenizer(out)
    sentence_transformer(out, hidden, pooling, normalize, 8192)
    # The reference is computed over transformers' own layout; the folder embedkit reads has the Hub's.
    hub = out + "-hub"
    shutil.copytree(out, hub)
    finish(hub, "nomic-tiny", pooling, 8192)
    os.remove(os.path.join(hub, "model.safetensors"))
    write_config(hub, make_nomic_fixture.hub_config(cfg))
    save_file(make_nomic_fixture.hub_weights(model.state_dict(), layers), os.path.join(hub, "model.safetensors"),
              metadata={"format": "pt"})
    return hub


def modernbert(out, hidden, heads, layers, pooling, normalize, every, window):
    shutil.copytree(os.path.join(FIXTURES, "modernbert-tiny"), out, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.safetensors", "golden.json", "1_Pooling", "2_Normalize"))
    base = json.load(open(os.path.join(out, "config.json")))
    fields = {"hidden_size": hidden, "num_attention_heads": heads, "num_hidden_layers": layers,
              "intermediate_size": 2 * hidden, "global_attn_every_n_layers": every, "local_attention": window}
    write_config(out, {**base, **fields})
    model = ModernBertModel(ModernBertConfig.from_pretrained(out)).eval()
    with torch.no_grad():
        for layer in model.layers:
            layer.attn.Wqkv.weight[: 2 * hidden].mul_(8)
    model.save_pretrained(out)
    write_config(out, {**base, **fields})  # the Hub's form again
    sentence_transformer(out, hidden, pooling, normalize, 8192)
    write_config(out, {**base, **fields})
    finish(out, "modernbert-tiny", pooling, 8192)


def qwen3(out, hidden, heads, kv_heads, head_dim, layers, pooling, normalize, theta):
    shutil.copytree(os.path.join(FIXTURES, "qwen3-tiny"), out, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.safetensors", "golden.json", "1_Pooling", "2_Normalize"))
    base = json.load(open(os.path.join(out, "config.json")))
    fields = {"hidden_size": hidden, "num_attention_heads": heads, "num_key_value_heads": kv_heads, "head_dim": head_dim,
              "num_hidden_layers": layers, "max_window_layers": layers, "intermediate_size": 2 * hidden, "rope_theta": theta}
    write_config(out, {**base, **fields})
    model = Qwen3Model(Qwen3Config.from_pretrained(out)).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.3 * torch.randn_like(p))
    model.save_pretrained(out)
    sentence_transformer(out, hidden, pooling, normalize, 32768)
    write_config(out, {**base, **fields})
    finish(out, "qwen3-tiny", pooling, 32768)


CONFIGS = [
    ("XLM-RoBERTa", "48 wide, 6 heads, 3 layers, cls", xlmr, dict(hidden=48, heads=6, layers=3, pooling="cls", normalize=False)),
    ("XLM-RoBERTa", "64 wide, 2 heads, 1 layer, max + Normalize", xlmr, dict(hidden=64, heads=2, layers=1, pooling="max", normalize=True)),
    ("MPNet", "48 wide, 3 heads of 16, 3 layers, cls + Normalize", mpnet, dict(hidden=48, heads=3, layers=3, pooling="cls", normalize=True)),
    ("MPNet", "24 wide, 6 heads of 4, 1 layer, mean_sqrt_len", mpnet, dict(hidden=24, heads=6, layers=1, pooling="mean_sqrt_len_tokens", normalize=False)),
    ("NomicBERT", "48 wide, 6 heads, 3 layers, θ 10000, cls", nomic, dict(hidden=48, heads=6, layers=3, pooling="cls", normalize=False, theta=10000.0)),
    ("NomicBERT", "64 wide, 2 heads of 32, 1 layer, vocab 30592, max + Normalize", nomic, dict(hidden=64, heads=2, layers=1, pooling="max", normalize=True, vocab=30592)),
    ("ModernBERT", "48 wide, 3 heads, 5 layers, global every 2nd, ±16 window, cls + Normalize", modernbert, dict(hidden=48, heads=3, layers=5, pooling="cls", normalize=True, every=2, window=32)),
    ("ModernBERT", "64 wide, 4 heads, 2 layers, all global, mean", modernbert, dict(hidden=64, heads=4, layers=2, pooling="mean", normalize=False, every=1, window=128)),
    ("Qwen3", "48 wide, 6 heads over 6 (no grouping), head_dim 8, 3 layers, last token + Normalize", qwen3, dict(hidden=48, heads=6, kv_heads=6, head_dim=8, layers=3, pooling="lasttoken", normalize=True, theta=1000000)),
    ("Qwen3", "64 wide, 8 heads over 1, head_dim 8, 2 layers, θ 10000, mean", qwen3, dict(hidden=64, heads=8, kv_heads=1, head_dim=8, layers=2, pooling="mean", normalize=False, theta=10000)),
]


def main():
    texts = [t for t in TEXTS if t.strip()]
    worst_all, rows = 0.0, []
    root = tempfile.mkdtemp()
    for i, (family, what, build, kwargs) in enumerate(CONFIGS):
        torch.manual_seed(100 + i)
        out = os.path.join(root, f"c{i}")
        os.makedirs(out)
        folder = build(out, **kwargs) or out
        st = SentenceTransformer(out, device="cpu")
        strip = family in ("ModernBERT", "Qwen3")   # byte-level BPE: inputs stripped as sentence-transformers 2-5 do
        want = st.encode([t.strip() for t in texts] if strip else texts, convert_to_numpy=True, batch_size=4)
        inputs = os.path.join(root, "inputs.jsonl")
        with open(inputs, "w", encoding="utf-8") as f:
            f.write("\n".join(json.dumps(t, ensure_ascii=False) for t in texts) + "\n")
        r = subprocess.run([EMBEDKIT, "embed", "--model", folder, "--input", inputs], capture_output=True, text=True)
        if r.returncode != 0:
            rows.append((family, what, float("inf"), r.stderr.strip()[:200]))
            continue
        got = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
        worst = max(float(abs(a - b)) for g, w in zip(got, want) for a, b in zip(g, w)) if len(got) == len(want) else float("inf")
        rows.append((family, what, worst, ""))
        worst_all = max(worst_all, worst)
    shutil.rmtree(root)
    print("| family | held-out configuration | texts | worst abs diff |\n|---|---|---:|---:|")
    for family, what, worst, err in rows:
        print(f"| {family} | {what} | {len(texts)} | {worst:.1e} {err} |")
    sys.exit(0 if worst_all <= 1e-4 and all(not e for *_, e in rows) else 1)


if __name__ == "__main__":
    main()
