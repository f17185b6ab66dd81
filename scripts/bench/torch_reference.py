#!/usr/bin/env python3
"""PyTorch fp32 reference for the EmbedKit benchmark: JinaBERT and BERT sentence-transformers folders.

Written from shared/docs/models.md (no transformers / remote code needed):
  JinaBERT: word + token-type embeddings, LayerNorm; per layer symmetric ALiBi bias -m_h|i-j| added to the
            key-padding mask (finfo.min) as the float mask of torch SDPA; post-LN; GEGLU (gate = first half,
            exact GELU); mean pooling over valid tokens.
  BERT:     absolute positions, exact GELU, post-LN; CLS / mean pooling from 1_Pooling; optional 2_Dense
            (Identity or Tanh) and Normalize from modules.json.
Weights are read from model.safetensors or pytorch_model.bin (torch.load(weights_only=True): no code runs)
and upcast to fp32, as transformers v4 does. Encoding follows sentence-transformers: texts sorted by length
(longest first), batches of --batch-size, padding to the longest in the batch, truncation at max_seq_length.

usage:
  torch_reference.py bench --model DIR --input FILE.jsonl [--batch-size 32] [--threads 2] [--max-length N]
      prints one JSON line with the fields of `embedkit bench` (texts, tokens, seconds, tokens_per_s, ...)
  torch_reference.py --check-goldens [--fixtures DIR]
      compares ids and embeddings with every golden.json in Tests/Fixtures (tolerance 1e-4); exit 1 on mismatch
Pinned deps: torch==2.13.0+cpu numpy==1.26.4 safetensors==0.4.5 tokenizers==0.19.1
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

MASK_BUDGET = 512 << 20   # bytes of float mask built at once (see Model.attention)
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


# ----------------------------------------------------------------------------------------------- loading

def read_json(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_state(path):
    """Every tensor of a safetensors / pytorch_model.bin file, fp32, with a leading 'bert.' removed."""
    st = os.path.join(path, "model.safetensors")
    if os.path.exists(st):
        from safetensors.torch import load_file
        raw = load_file(st)
    else:
        raw = torch.load(os.path.join(path, "pytorch_model.bin"), map_location="cpu", weights_only=True)
    out = {}
    for k, v in raw.items():
        if k.startswith("bert."):
            k = k[len("bert."):]
        out[k] = v.float().contiguous() if v.is_floating_point() else v
    return out


def load_tokenizer(path, max_len):
    from tokenizers import Tokenizer
    from tokenizers.implementations import BertWordPieceTokenizer
    tj = os.path.join(path, "tokenizer.json")
    if os.path.exists(tj):
        tok = Tokenizer.from_file(tj)
    else:  # vocab.txt only (zpoint): the BertTokenizerFast equivalent
        cfg = read_json(os.path.join(path, "tokenizer_config.json"), {})
        lower = cfg.get("do_lower_case", True)
        bw = BertWordPieceTokenizer(os.path.join(path, "vocab.txt"), lowercase=lower,
                                    handle_chinese_chars=cfg.get("tokenize_chinese_chars", True),
                                    strip_accents=cfg.get("strip_accents"), clean_text=True)
        tok = bw._tokenizer
    tok.no_padding()
    tok.enable_truncation(max_len)  # counts the template's special tokens, as transformers does
    return tok


class Model:
    def __init__(self, path, max_length=None):
        self.path = path
        self.cfg = read_json(os.path.join(path, "config.json"))
        self.jina = self.cfg.get("position_embedding_type") == "alibi"
        sbert = read_json(os.path.join(path, "sentence_bert_config.json"), {})
        self.max_len = max_length or sbert.get("max_seq_length") or self.cfg.get("max_position_embeddings", 512)
        if not self.jina:
            self.max_len = min(self.max_len, self.cfg["max_position_embeddings"])
        self.w = load_state(path)
        self.tok = load_tokenizer(path, self.max_len)
        self.modules = read_json(os.path.join(path, "modules.json"), [])
        pool_dir = next((m["path"] for m in self.modules if m["type"].endswith("Pooling")), "1_Pooling")
        pc = read_json(os.path.join(path, pool_dir, "config.json"), {})
        self.pooling = "cls" if pc.get("pooling_mode_cls_token") else "mean"
        if pc.get("pooling_mode_max_tokens") or pc.get("pooling_mode_mean_sqrt_len_tokens"):
            raise SystemExit("torch_reference.py: only cls / mean pooling are implemented")
        self.dense = None
        for m in self.modules:
            if m["type"].endswith("Dense"):
                d = os.path.join(path, m["path"])
                dc = read_json(os.path.join(d, "config.json"))
                dw = load_state(d)
                act = dc.get("activation_function", "torch.nn.modules.activation.Tanh")
                self.dense = (dw["linear.weight"], dw.get("linear.bias"), act.endswith("Tanh"))
        self.normalize = any(m["type"].endswith("Normalize") for m in self.modules)
        self.H = self.cfg["hidden_size"]
        self.n = self.cfg["num_attention_heads"]
        self.L = self.cfg["num_hidden_layers"]
        self.eps = self.cfg.get("layer_norm_eps", 1e-12)
        self.dimension = self.dense[0].shape[0] if self.dense else self.H
        if self.jina:
            self.slopes = torch.tensor(alibi_slopes(self.n), dtype=torch.float32)

    # -------------------------------------------------------------------------------------- forward
    def ln(self, x, name):
        return F.layer_norm(x, (self.H,), self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def lin(self, x, name, bias=True):
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"] if bias else None)

    def forward(self, ids, mask):
        B, T = ids.shape
        w = self.w
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.token_type_embeddings.weight"][0]
        if not self.jina:
            x = x + w["embeddings.position_embeddings.weight"][:T]
        x = self.ln(x, "embeddings.LayerNorm")
        pad = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min    # [B,1,1,T]
        bias = None
        if self.jina:
            pos = torch.arange(T, dtype=torch.float32)
            bias = -self.slopes[:, None, None] * (pos[None, :] - pos[:, None]).abs()[None]  # [n,T,T]
        d = self.H // self.n
        for i in range(self.L):
            p = f"encoder.layer.{i}."
            q = self.lin(x, p + "attention.self.query").view(B, T, self.n, d).transpose(1, 2)
            k = self.lin(x, p + "attention.self.key").view(B, T, self.n, d).transpose(1, 2)
            v = self.lin(x, p + "attention.self.value").view(B, T, self.n, d).transpose(1, 2)
            ctx = self.attention(q, k, v, pad, bias)
            ctx = ctx.transpose(1, 2).reshape(B, T, self.H)
            x = self.ln(x + self.lin(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            if self.jina:
                g = F.linear(x, w[p + "mlp.gated_layers.weight"])
                I = g.shape[-1] // 2
                z = F.gelu(g[..., :I]) * g[..., I:]
                x = self.ln(x + self.lin(z, p + "mlp.wo"), p + "mlp.layernorm")
            else:
                h = F.gelu(self.lin(x, p + "intermediate.dense"))
                x = self.ln(x + self.lin(h, p + "output.dense"), p + "output.LayerNorm")
        return x

    def attention(self, q, k, v, pad, bias):
        """softmax(QK^T/sqrt(d) + pad + bias) V with torch SDPA and a float mask.

        The original JinaBERT code adds its [1,n,L,L] ALiBi tensor to the padding mask, materialising
        [B,n,L,L] fp32 (25 GB for 32 texts of 4k tokens). To stay within a shared machine's memory this
        builds that mask in pieces of at most MASK_BUDGET bytes (rows of the batch, then groups of heads);
        the arithmetic is the same."""
        if bias is None:
            return F.scaled_dot_product_attention(q, k, v, attn_mask=pad)
        B, n, T, _ = q.shape
        per_row = n * T * T * 4
        if per_row * B <= MASK_BUDGET:
            return F.scaled_dot_product_attention(q, k, v, attn_mask=pad + bias[None])
        out = torch.empty_like(q)
        rows = max(1, MASK_BUDGET // per_row)
        heads = n if rows > 1 else max(1, min(n, MASK_BUDGET // (T * T * 4)))
        for b in range(0, B, rows):
            for h in range(0, n, heads):
                sl = (slice(b, b + rows), slice(h, h + heads))
                out[sl] = F.scaled_dot_product_attention(q[sl], k[sl], v[sl],
                                                         attn_mask=pad[b:b + rows] + bias[None, h:h + heads])
        return out

    def pool(self, tokens, mask):
        if self.pooling == "cls":
            e = tokens[:, 0]
        else:
            m = mask[..., None].float()
            e = (tokens * m).sum(1) / m.sum(1).clamp(min=1e-9)
        if self.dense is not None:
            W, b, tanh = self.dense
            e = F.linear(e, W, b)
            if tanh:
                e = torch.tanh(e)
        if self.normalize:
            e = F.normalize(e, p=2, dim=1)
        return e

    # -------------------------------------------------------------------------------------- encode
    def tokenize(self, texts):
        # sentence-transformers' Transformer.tokenize strips every text first
        return [e.ids for e in self.tok.encode_batch([t.strip() for t in texts])]

    @torch.inference_mode()
    def encode(self, texts, batch_size=32, token_rows=False):
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))   # sentence-transformers' sort
        out = [None] * len(texts)
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            enc = self.tokenize([texts[i] for i in idx])
            T = max(len(e) for e in enc)
            ids = torch.zeros(len(enc), T, dtype=torch.long)
            mask = torch.zeros(len(enc), T, dtype=torch.long)
            for r, e in enumerate(enc):
                ids[r, :len(e)] = torch.tensor(e, dtype=torch.long)
                mask[r, :len(e)] = 1
            tokens = self.forward(ids, mask)
            if token_rows:
                for r, i in enumerate(idx):
                    out[i] = tokens[r, :len(enc[r])]
            else:
                emb = self.pool(tokens, mask)
                for r, i in enumerate(idx):
                    out[i] = emb[r]
        return out


def alibi_slopes(n):
    def pow2(k):
        start = 2.0 ** (-8.0 / k)
        return [start ** (i + 1) for i in range(k)]
    if math.log2(n).is_integer():
        return pow2(n)
    p = 2 ** math.floor(math.log2(n))
    return pow2(p) + pow2(2 * p)[0::2][: n - p]


# ----------------------------------------------------------------------------------------------- commands

def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def bench(a):
    torch.set_num_threads(a.threads)
    texts = read_jsonl(a.input)
    if not texts:
        raise SystemExit(f"{a.input}: no texts")
    model = Model(a.model, a.max_length)
    tokens = sum(len(e) for e in model.tokenize(texts))      # non-padding tokens after truncation
    model.encode(texts[: a.batch_size], a.batch_size)         # warm-up batch
    t0 = time.perf_counter()
    vecs = model.encode(texts, a.batch_size)
    seconds = time.perf_counter() - t0
    assert len(vecs) == len(texts)
    print(json.dumps({"engine": "pytorch", "torch": torch.__version__, "texts": len(texts), "tokens": tokens,
                      "seconds": seconds, "tokens_per_s": tokens / seconds, "texts_per_s": len(texts) / seconds,
                      "batch_size": a.batch_size, "threads": torch.get_num_threads(),
                      "model": os.path.basename(os.path.normpath(a.model)), "dimension": model.dimension},
                     sort_keys=True), flush=True)


def max_abs(a, b):
    return float((torch.tensor(a, dtype=torch.float32) - b.float()).abs().max()) if len(a) else 0.0


def check_goldens(a):
    torch.set_num_threads(a.threads)
    root = a.fixtures
    names = sorted(d for d in os.listdir(root) if os.path.exists(os.path.join(root, d, "golden.json"))
                   and (not a.only or d in a.only))
    if not names:
        raise SystemExit(f"no golden.json under {root}")
    failures, checked = 0, 0
    for name in names:
        path = os.path.join(root, name)
        g = read_json(os.path.join(path, "golden.json"))
        worst, worst_tok, id_bad = 0.0, 0.0, 0
        groups = [(None, g["cases"])]
        if "short_max_len" in g:
            groups.append((16, g["short_max_len"]))
        for max_len, cases in groups:
            m = Model(path, max_len)
            texts = [c["text"] for c in cases]
            ids = m.tokenize(texts)
            id_bad += sum(1 for c, i in zip(cases, ids) if c["input_ids"] != i)
            for c, e in zip(cases, m.encode(texts, batch_size=32)):
                worst = max(worst, max_abs(c["embedding"], e))
            checked += len(cases)
        m = Model(path)
        if g.get("token_embeddings"):
            te = g["token_embeddings"]
            rows = m.encode([t["text"] for t in te], token_rows=True)
            for t, r in zip(te, rows):
                worst_tok = max(worst_tok, max_abs(t["rows"], r) if len(t["rows"]) == len(r) else float("inf"))
        for mg in g.get("matryoshka", []):
            vecs = m.encode([c["text"] for c in mg["cases"]])
            for c, e in zip(mg["cases"], vecs):
                # zpoint-tiny's matryoshka goldens hold all 112 values (normalised) for every k: compare
                # the first len(golden) values (k if the golden is truncated to k)
                e = e[:len(c["embedding"])]
                if mg.get("normalized"):
                    e = F.normalize(e, dim=0)
                worst = max(worst, max_abs(c["embedding"], e))
        ok = id_bad == 0 and worst <= a.tolerance and worst_tok <= a.tolerance
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name:16s} ids mismatched: {id_bad}  max|Δ| embedding {worst:.2e}"
              f"  token rows {worst_tok:.2e}  (tolerance {a.tolerance:g})")
    print(f"{len(names) - failures} passed, {failures} failed")
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", nargs="?", choices=["bench"])
    ap.add_argument("--check-goldens", action="store_true")
    ap.add_argument("--fixtures", default=os.path.join(REPO, "Tests", "Fixtures"))
    ap.add_argument("--only", nargs="*", help="fixture names to check (default: all)")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    ap.add_argument("--model")
    ap.add_argument("--input")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-length", type=int)
    a = ap.parse_args()
    if a.check_goldens:
        sys.exit(check_goldens(a))
    if a.command != "bench" or not a.model or not a.input:
        ap.error("use: bench --model DIR --input FILE.jsonl, or --check-goldens")
    bench(a)


if __name__ == "__main__":
    main()
