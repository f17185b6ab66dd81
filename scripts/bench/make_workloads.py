#!/usr/bin/env python3
"""Build benchmark workloads (JSONL, one JSON string per line) from the STS-B sentences in shared/data/sts.

  short.jsonl     N distinct short sentences (sentence1 and sentence2 of the test split, then dev)
  passages.jsonl  N passages of about --passage-tokens tokens: consecutive sentences joined
  long.jsonl      N documents of at least --doc-tokens tokens: consecutive sentences joined (the engines
                  truncate them at the model's max_seq_length: 8192 for JinaBERT, 512 for zpoint)

Token counts are measured with the tokenizer of --tokenizer (a model folder), special tokens excluded.
usage: make_workloads.py --data DIR --lang en|zh --tokenizer MODEL_DIR --out DIR
                         [--short 1024] [--passages 48] [--passage-tokens 550] [--docs 2] [--doc-tokens 8300]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import load_tokenizer  # noqa: E402  (tokenizers only; no model is loaded)


def sentences(data, lang):
    seen, out = set(), []
    for split in ("test", "dev", "train"):
        path = os.path.join(data, f"stsb-{lang}-{split}.jsonl")
        with open(path, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                for key in ("sentence1", "sentence2"):
                    s = row[key].strip()
                    if s and s not in seen:
                        seen.add(s)
                        out.append(s)
    return out


def join_to(pool, start, target, count_tokens, sep):
    """Join pool[start:] until the text has >= target tokens; returns (text, next index)."""
    parts, i, n = [], start, 0
    while n < target:
        s = pool[i % len(pool)]
        parts.append(s)
        n += count_tokens(s)
        i += 1
    text = sep.join(parts)
    return text, i


def write(path, texts):
    with open(path, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--lang", required=True, choices=["en", "zh"])
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--short", type=int, default=1024)
    ap.add_argument("--passages", type=int, default=48)
    ap.add_argument("--passage-tokens", type=int, default=550)
    ap.add_argument("--docs", type=int, default=2)
    ap.add_argument("--doc-tokens", type=int, default=8300)
    a = ap.parse_args()
    tok = load_tokenizer(a.tokenizer, 1 << 20)
    tok.no_truncation()

    def count(s):
        return len(tok.encode(s, add_special_tokens=False).ids)

    pool = sentences(a.data, a.lang)
    sep = " " if a.lang == "en" else ""
    os.makedirs(a.out, exist_ok=True)
    write(os.path.join(a.out, "short.jsonl"), pool[: a.short])
    i, passages = a.short, []
    for _ in range(a.passages):
        text, i = join_to(pool, i, a.passage_tokens, count, sep)
        passages.append(text)
    write(os.path.join(a.out, "passages.jsonl"), passages)
    docs = []
    for _ in range(a.docs):
        text, i = join_to(pool, i, a.doc_tokens, count, sep)
        docs.append(text)
    write(os.path.join(a.out, "long.jsonl"), docs)
    for name, texts in (("short", pool[: a.short]), ("passages", passages), ("long", docs)):
        toks = [count(t) for t in texts]
        print(f"{a.lang}/{name}: {len(texts)} texts, {sum(toks)} tokens (min {min(toks)}, max {max(toks)}, "
              f"special tokens excluded)")


if __name__ == "__main__":
    main()
