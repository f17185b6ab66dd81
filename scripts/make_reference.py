#!/usr/bin/env python3
"""Reference outputs for `embedkit verify` / `embedkit serve --verify`, computed with sentence-transformers.

usage: make_reference.py MODEL OUT.json [--texts FILE.jsonl] [--short-max-length 16] [--device cpu]

MODEL is a folder or a Hub id. Writes the test fixtures' golden.json format: for each text its token ids
(what sentence-transformers feeds the model, the default prompt included when the model has one) and its
`encode` vector; the same at a short max length; per-token rows for a few texts; and the model's dimension,
max_seq_length, pooling and normalization. Needs: sentence-transformers (and torch). --texts: one JSON
string per line (default: a built-in mix of languages, scripts, lengths, accents, emoji and empty text).
"""
import argparse
import json

DEFAULT_TEXTS = [
    "Hello world", "The quick brown fox jumps over the lazy dog.", "  leading and trailing spaces  ",
    "Café, naïve, résumé: accents déjà vu.", "UPPER lower MiXeD", "numbers 12345 and 3.14159",
    "emoji 🙂🚀 and symbols ©®™", "今天天气怎么样?", "我喜欢NLP和Machine Learning。", "繁體中文測試：這是一個句子。",
    "Ärger über Öl und Übermut in der Straße.", "Привет, как дела?", "مرحبا بالعالم", "tab\tand\nnewline",
    "a", "", "word " * 40, "Machine learning is a field of study in artificial intelligence concerned with "
    "the development of statistical algorithms that can learn from data and generalize to unseen data. " * 6,
    "unbelievable misunderstanding of hyperparameterization", "https://example.com/path?query=1&x=y",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--texts")
    ap.add_argument("--short-max-length", type=int, default=16)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    from sentence_transformers import SentenceTransformer
    import sentence_transformers

    texts = [json.loads(l) for l in open(a.texts, encoding="utf-8") if l.strip()] if a.texts else DEFAULT_TEXTS
    model = SentenceTransformer(a.model, device=a.device, trust_remote_code=False)
    prompt = model.prompts.get(model.default_prompt_name, "") if getattr(model, "default_prompt_name", None) else ""

    def ids(batch):
        return [model.tokenize([prompt + t])["input_ids"][0].tolist() for t in batch]

    def cases(batch):
        vectors = model.encode(batch, convert_to_numpy=True, batch_size=8)
        return [{"text": t, "input_ids": i, "embedding": v.astype(float).tolist()} for t, i, v in zip(batch, ids(batch), vectors)]

    full_length = model.max_seq_length
    reference = {"cases": cases(texts)}
    model.max_seq_length = a.short_max_length
    reference["short_max_len"] = cases([t for t in texts if t][:10])
    reference["short_max_seq_length"] = a.short_max_length
    model.max_seq_length = full_length
    token_texts = [t for t in texts if t.strip()][:3]
    rows = model.encode(token_texts, output_value="token_embeddings", convert_to_numpy=False, batch_size=8)
    reference["token_embeddings"] = [{"text": t, "rows": r.float().cpu().numpy().astype(float).tolist()} for t, r in zip(token_texts, rows)]

    pooling = next((m for m in model if type(m).__name__ == "Pooling"), None)
    reference.update(
        max_seq_length=full_length,
        dimension=model.get_sentence_embedding_dimension(),
        normalize=any(type(m).__name__ == "Normalize" for m in model),
        pooling=pooling.get_pooling_mode_str() if pooling is not None else None,
        note=f"reference: sentence-transformers {sentence_transformers.__version__}, {a.device}, fp32",
    )
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(reference, f, ensure_ascii=False)
    print(f"{a.out}: {len(reference['cases'])} cases, {len(reference['short_max_len'])} at max length "
          f"{a.short_max_length}, {len(token_texts)} with token rows")


if __name__ == "__main__":
    main()
