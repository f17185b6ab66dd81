#!/usr/bin/env python3
"""Tokenizer throughput: EmbedKit vs Hugging Face `tokenizers` (Rust, via Python) on one core.

For each fixture tokenizer and each STS-B language it tokenizes every sentence of the train split
(sentence1 and sentence2, repeated --repeat times), sentence-transformers style (str.strip(), truncation
at max_seq_length), and reports characters (Python len) per second on one core:
- EmbedKit: `embedkit bench --tokenizer-only` (in-process timing of Tokenizer.encode, one text at a time,
  fresh BPE cache), pinned with `taskset -c 0`;
- HF: `Tokenizer.encode(text)` in a Python loop (per-call Python overhead included, as users call it),
  in a subprocess pinned the same way, RAYON_NUM_THREADS=1.
Runs alternate (EmbedKit, HF, EmbedKit, HF, ...) and the best of --reps is kept for each.

    python3 scripts/bench/tokenizer_bench.py [--embedkit .build/release/embedkit] [--reps 3] [--markdown]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = [
    ("jina-v2-tiny-en", "WordPiece (BertNormalizer)"),
    ("dmeta-tiny", "WordPiece (BertNormalizer, Chinese vocab)"),
    ("jina-v2-tiny-zh", "BPE (NFC + Lowercase, Whitespace)"),
    ("jina-v2-tiny-de", "byte-level BPE (NFC, ByteLevel)"),
    ("zpoint-tiny", "WordPiece from vocab.txt"),
]

HF_SNIPPET = r"""
import json, sys, time
from tokenizers import Tokenizer
folder, path = sys.argv[1], sys.argv[2]
tok = Tokenizer.from_file(folder + "/tokenizer.json")
tok.no_padding()
cfg = {}
try:
    cfg = json.load(open(folder + "/sentence_bert_config.json"))
except OSError:
    pass
if cfg.get("max_seq_length"):
    tok.enable_truncation(max_length=cfg["max_seq_length"])
else:
    tok.no_truncation()
texts = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
lower = cfg.get("do_lower_case", False)
t0 = time.perf_counter()
n = 0
for t in texts:
    t = t.strip()
    if lower:
        t = t.lower()
    n += len(tok.encode(t).ids)
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "tokens": n, "chars": sum(len(t) for t in texts)}))
"""


def sts_texts(lang, repeat):
    base = os.path.join(REPO, "..", "shared", "data", "sts")
    out = []
    with open(os.path.join(base, f"stsb-{lang}-train.jsonl"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            out += [d["sentence1"], d["sentence2"]]
    return out * repeat


def run_embedkit(binary, folder, path):
    p = subprocess.run(["taskset", "-c", "0", binary, "bench", "--tokenizer-only", "--model", folder, "--input", path],
                       capture_output=True, text=True, check=True)
    d = json.loads(p.stdout.strip().splitlines()[-1])
    return d["chars"] / d["seconds_one_thread"], d["tokens"]


def run_hf(folder, path):
    env = dict(os.environ, RAYON_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
    p = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", HF_SNIPPET, folder, path],
                       capture_output=True, text=True, check=True, env=env)
    d = json.loads(p.stdout.strip().splitlines()[-1])
    return d["chars"] / d["seconds"], d["tokens"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedkit", default=os.path.join(REPO, ".build", "release", "embedkit"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=2, help="copies of the STS-B train sentences")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="embedkit-tokbench-")
    rows = []
    for lang in ("en", "zh"):
        path = os.path.join(tmp, f"{lang}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for t in sts_texts(lang, args.repeat):
                f.write(json.dumps(t, ensure_ascii=False) + "\n")
        for name, what in FIXTURES:
            folder = os.path.join(REPO, "Tests", "Fixtures", name)
            has_json = os.path.exists(os.path.join(folder, "tokenizer.json"))
            ek, hf = [], []
            for _ in range(args.reps):
                ek.append(run_embedkit(args.embedkit, folder, path))
                if has_json:
                    hf.append(run_hf(folder, path))
            e = max(ek)
            h = max(hf) if hf else None
            if h and h[1] != e[1]:
                print(f"warning: {name}/{lang}: token counts differ (EmbedKit {e[1]}, HF {h[1]})", file=sys.stderr)
            rows.append((name, what, lang, e[0], h[0] if h else None))
            print(f"{name:16s} {lang}  EmbedKit {e[0] / 1e6:6.2f} M chars/s   HF "
                  + (f"{h[0] / 1e6:6.2f} M chars/s   ratio {e[0] / h[0]:.2f}" if h else "n/a (vocab.txt only)"),
                  file=sys.stderr)
    if args.markdown:
        print("| tokenizer | model | text | EmbedKit M chars/s | HF tokenizers M chars/s | EmbedKit / HF |")
        print("|---|---|---|---:|---:|---:|")
        for name, what, lang, e, h in rows:
            hs = f"{h / 1e6:.2f}" if h else "—"
            r = f"{e / h:.2f}" if h else "—"
            print(f"| {name} | {what} | STS-B {lang} | {e / 1e6:.2f} | {hs} | {r} |")


if __name__ == "__main__":
    main()
