#!/usr/bin/env python3
"""Tiny random-weight XLM-RoBERTa models, written by transformers itself, and their references:

- Tests/Fixtures/xlmr-tiny: multilingual-e5's layout (XLMRobertaModel; sentence-transformers Transformer +
  mean Pooling + Normalize; "query: " / "passage: " prompts), golden.json in ../shared/fixtures' format
  (sentence-transformers' encode, max_seq_length 16 truncation, token embeddings).
- Tests/Fixtures/bge-m3-tiny: bge-m3's layout (XLMRobertaModel, 8194 positions; CLS Pooling + Normalize, its
  sentence-transformers files as sentence-transformers 6 writes them, so both layouts are exercised;
  colbert_linear.pt and sparse_linear.pt saved with torch.save as FlagEmbedding saves them), golden.json
  with FlagEmbedding's BGEM3FlagModel.encode(return_dense, return_sparse, return_colbert_vecs) and its
  scoring helpers (compute_lexical_matching_score, colbert_score, compute_score's weighted sums).
- Tests/Fixtures/xlmr-reranker-tiny: bge-reranker's layout (XLMRobertaForSequenceClassification, one
  label: `roberta.` encoder, `classifier.dense` + `classifier.out_proj`), golden.json with
  sentence-transformers' CrossEncoder.predict scores and logits.

The tokenizer: a SentencePiece Unigram model (nmt_nfkc) trained here on STS-B en+zh, converted by
transformers' own XLM-R converter (fairseq id layout: <s>=0 <pad>=1 </s>=2 <unk>=3 … <mask>), its
normalizer and pre-tokenizer written in the form Hub XLM-R tokenizer.json files carry (Precompiled +
Replace(" {2,}", " "), then Metaspace), which transformers 5 writes differently (Precompiled, then
WhitespaceSplit + Metaspace).

    python3 -m venv /tmp/tf5-venv && /tmp/tf5-venv/bin/pip install torch transformers==5.23.0 \
        sentence-transformers==6.3.0 FlagEmbedding==1.4.2 sentencepiece protobuf
    /tmp/tf5-venv/bin/python scripts/dev/make_xlmr_fixtures.py
"""
import json
import os
import shutil
import tempfile

import sentencepiece as spm
import torch
import transformers
import sentence_transformers
import tokenizers
from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification, XLMRobertaModel, XLMRobertaTokenizer
from sentence_transformers import CrossEncoder, SentenceTransformer, models

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "Tests", "Fixtures")
STS = os.path.join(REPO, "..", "shared", "data", "sts")
# The texts of dmeta-tiny's golden (Chinese, English, accents, emoji, empty, long), and one past 512 tokens.
TEXTS = [c["text"] for c in json.load(open(os.path.join(FIXTURES, "dmeta-tiny", "golden.json"), encoding="utf-8"))["cases"]]


def sts_corpus():
    """Every sentence of STS-B train, en then zh: what the fixtures' tokenizers are trained on."""
    corpus = []
    for lang in ("en", "zh"):
        with open(os.path.join(STS, f"stsb-{lang}-train.jsonl"), encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                corpus += [d["sentence1"], d["sentence2"]]
    return corpus


def prompt_cases(st, name="query"):
    """golden.json's `prompts`: the first three texts encoded with the prompt `name`."""
    return [{"prompt_name": name, "text": t, "embedding": e.tolist()}
            for t, e in zip(TEXTS[:3], st.encode(TEXTS[:3], prompt_name=name))]


def write_config(out, config):
    """config.json of the folder `out`, as the fixtures write it (indent 2)."""
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


def write_golden(out, golden):
    with open(os.path.join(out, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False)
    print(f"wrote {out}: {len(golden['cases'])} texts, longest {max(len(c['input_ids']) for c in golden['cases'])} tokens")


def make_tokenizer(out):
    corpus = sts_corpus()
    tmp = tempfile.mkdtemp()
    with open(os.path.join(tmp, "corpus.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(corpus))
    spm.SentencePieceTrainer.train(input=os.path.join(tmp, "corpus.txt"), model_prefix=os.path.join(tmp, "m"),
                                   vocab_size=1500, model_type="unigram", normalization_rule_name="nmt_nfkc",
                                   character_coverage=0.98, minloglevel=2)
    os.makedirs(os.path.join(tmp, "spm"))
    shutil.copy(os.path.join(tmp, "m.model"), os.path.join(tmp, "spm", "sentencepiece.bpe.model"))
    tok = XLMRobertaTokenizer.from_pretrained(os.path.join(tmp, "spm"), model_max_length=512)
    tok.save_pretrained(out)
    path = os.path.join(out, "tokenizer.json")
    with open(path, encoding="utf-8") as f:
        tj = json.load(f)
    charsmap = tj["normalizer"]["precompiled_charsmap"]
    tj["normalizer"] = {"type": "Sequence", "normalizers": [
        {"type": "Precompiled", "precompiled_charsmap": charsmap},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]}
    tj["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False, indent=1)
    shutil.rmtree(tmp)


def hub_layout(out, pooling, max_seq_length):
    """Rewrites sentence-transformers 6's files in the layout Hub folders carry (sentence-transformers 2/3:
    `sentence_transformers.models.*` module types, max_seq_length in sentence_bert_config.json, the
    classic Pooling keys) and config.json's `dtype` as `torch_dtype`; sentence-transformers 6 reads them."""
    if os.path.exists(os.path.join(out, "README.md")):
        os.remove(os.path.join(out, "README.md"))
    with open(os.path.join(out, "modules.json")) as f:
        mods = json.load(f)
    for m in mods:
        m["type"] = "sentence_transformers.models." + m["type"].split(".")[-1]
    with open(os.path.join(out, "modules.json"), "w") as f:
        json.dump(mods, f, indent=2)
    with open(os.path.join(out, "sentence_bert_config.json"), "w") as f:
        json.dump({"max_seq_length": max_seq_length, "do_lower_case": False}, f, indent=2)
    keys = ["pooling_mode_cls_token", "pooling_mode_mean_tokens", "pooling_mode_max_tokens",
            "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"]
    with open(os.path.join(out, "config.json")) as f:
        cfg = json.load(f)
    dimension = cfg.get("hidden_size", cfg.get("n_embd"))
    with open(os.path.join(out, "1_Pooling", "config.json"), "w") as f:
        json.dump({"word_embedding_dimension": dimension, **{k: pooling.get(k, False) for k in keys}, "include_prompt": True},
                  f, indent=2)
    hub_dtype(out)


def hub_dtype(out):
    """config.json's `dtype` (transformers 5) written as `torch_dtype`, as Hub checkpoints carry it."""
    path = os.path.join(out, "config.json")
    with open(path) as f:
        cfg = json.load(f)
    cfg["torch_dtype"] = cfg.pop("dtype", "float32")
    with open(path, "w") as f:
        json.dump(cfg, f, indent=2)


def standard_golden(st, model_class, strip=False):
    """../shared/fixtures' golden.json of a sentence-transformers mean-pooled, normalized model: encode of
    TEXTS, of the first six at max_seq_length 16, and the first three's token embeddings. `strip`: each text
    goes in after Python's str.strip(), as sentence-transformers 2-5 tokenize (6 no longer strips; the
    difference shows with byte-level BPE tokenizers, which keep spaces) - the golden keeps the text as given."""
    def cases(texts):
        given = [t.strip() for t in texts] if strip else texts
        emb = st.encode(given, convert_to_numpy=True, batch_size=4)
        return [{"text": t, "input_ids": st.tokenize([g])["input_ids"][0].tolist(), "embedding": e.tolist()}
                for t, g, e in zip(texts, given, emb)]

    full = st.max_seq_length
    golden = {"note": f"reference: sentence-transformers over transformers {model_class}, fp32", "versions": versions(),
              "max_seq_length": full, "dimension": st.get_sentence_embedding_dimension(), "pooling": "mean",
              "normalize": True, "dense": None, "cases": cases(TEXTS)}
    st.max_seq_length = 16
    golden["short_max_len"] = cases(TEXTS[:6])
    st.max_seq_length = full
    tokens = st.encode(TEXTS[:3], output_value="token_embeddings")
    golden["token_embeddings"] = [{"text": t, "rows": r.tolist()} for t, r in zip(TEXTS[:3], tokens)]
    return golden


def config(vocab, positions):
    return XLMRobertaConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                            intermediate_size=64, max_position_embeddings=positions, type_vocab_size=1,
                            pad_token_id=1, bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5)


def versions():
    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "sentence-transformers": sentence_transformers.__version__, "tokenizers": tokenizers.__version__}


def e5(tok_dir):
    out = os.path.join(FIXTURES, "xlmr-tiny")
    shutil.rmtree(out, ignore_errors=True)
    torch.manual_seed(1)
    vocab = len(XLMRobertaTokenizer.from_pretrained(tok_dir))
    XLMRobertaModel(config(vocab, 514), add_pooling_layer=True).save_pretrained(out)
    for name in os.listdir(tok_dir):
        shutil.copy(os.path.join(tok_dir, name), os.path.join(out, name))
    word = models.Transformer(out, max_seq_length=512)
    st = SentenceTransformer(modules=[word, models.Pooling(32, pooling_mode="mean"), models.Normalize()], device="cpu",
                             prompts={"query": "query: ", "passage": "passage: "})
    st.save(out)
    hub_layout(out, pooling={"pooling_mode_mean_tokens": True}, max_seq_length=512)
    st = SentenceTransformer(out, device="cpu")

    golden = standard_golden(st, "XLMRobertaModel")
    golden["prompts"] = prompt_cases(st)
    write_golden(out, golden)


def m3(tok_dir):
    from FlagEmbedding import BGEM3FlagModel
    out = os.path.join(FIXTURES, "bge-m3-tiny")
    shutil.rmtree(out, ignore_errors=True)
    torch.manual_seed(2)
    vocab = len(XLMRobertaTokenizer.from_pretrained(tok_dir))
    XLMRobertaModel(config(vocab, 8194), add_pooling_layer=True).save_pretrained(out)
    for name in os.listdir(tok_dir):
        shutil.copy(os.path.join(tok_dir, name), os.path.join(out, name))
    # bge-m3's heads, with a spread that makes some token weights zero (ReLU) and others not.
    colbert = torch.nn.Linear(32, 32)
    sparse = torch.nn.Linear(32, 1)
    with torch.no_grad():
        sparse.weight.mul_(5)
    torch.save({k: v.clone() for k, v in colbert.state_dict().items()}, os.path.join(out, "colbert_linear.pt"))
    torch.save({k: v.clone() for k, v in sparse.state_dict().items()}, os.path.join(out, "sparse_linear.pt"))
    word = models.Transformer(out, max_seq_length=8192)
    SentenceTransformer(modules=[word, models.Pooling(32, pooling_mode="cls"), models.Normalize()], device="cpu").save(out)
    if os.path.exists(os.path.join(out, "README.md")):
        os.remove(os.path.join(out, "README.md"))

    model = BGEM3FlagModel(out, use_fp16=False, devices=["cpu"])
    # FlagEmbedding tokenizes the text as given (sentence-transformers strips it first): texts without
    # surrounding whitespace, so that both agree.
    texts = [t for t in TEXTS if t == t.strip() and t][:20] + [" ".join(["panda"] * 40 + ["大熊猫"] * 30)]
    enc = model.encode(texts, batch_size=4, max_length=8192, return_dense=True, return_sparse=True, return_colbert_vecs=True)
    cases = []
    for i, t in enumerate(texts):
        ids = model.tokenizer(t, truncation=True, max_length=8192)["input_ids"]
        lw = enc["lexical_weights"][i]
        cases.append({"text": t, "input_ids": ids, "dense": enc["dense_vecs"][i].tolist(),
                      "sparse": {k: float(v) for k, v in sorted(lw.items(), key=lambda kv: int(kv[0]))},
                      "colbert": enc["colbert_vecs"][i].tolist()})
    pairs = [(0, 1), (2, 3), (14, 15), (len(texts) - 1, 0)]
    scores = []
    for a, b in pairs:
        lex = float(model.compute_lexical_matching_score(enc["lexical_weights"][a], enc["lexical_weights"][b]))
        col = float(model.colbert_score(enc["colbert_vecs"][a], enc["colbert_vecs"][b]))
        dense = float(enc["dense_vecs"][a] @ enc["dense_vecs"][b])
        scores.append({"query": a, "passage": b, "dense": dense, "sparse": lex, "colbert": col})
    # compute_score's weighted sums (its default weights [1, 1, 1] and FlagEmbedding's README's [0.4, 0.2, 0.4]).
    weighted = []
    for w in ([1.0, 1.0, 1.0], [0.4, 0.2, 0.4]):
        # One pair per batch: batched, a longer passage's padding (zero vectors) can win a query token's
        # colbert maximum, so a pair's score would depend on its batch.
        r = model.compute_score([(texts[a], texts[b]) for a, b in pairs], batch_size=1, max_passage_length=8192, max_query_length=8192,
                                weights_for_different_modes=w)
        weighted.append({"weights": w, **{k: [float(x) for x in v] for k, v in r.items()}})
    golden = {"note": "FlagEmbedding BGEM3FlagModel.encode (fp32) over transformers XLMRobertaModel", "versions": {
        **versions(), "FlagEmbedding": __import__("importlib.metadata").metadata.version("FlagEmbedding")},
        "cases": cases, "scores": scores, "compute_score": weighted}
    with open(os.path.join(out, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False)
    print(f"wrote {out}: {len(cases)} texts")


def reranker(tok_dir):
    out = os.path.join(FIXTURES, "xlmr-reranker-tiny")
    shutil.rmtree(out, ignore_errors=True)
    torch.manual_seed(3)
    vocab = len(XLMRobertaTokenizer.from_pretrained(tok_dir))
    cfg = config(vocab, 514)
    cfg.num_labels = 1
    cfg.architectures = ["XLMRobertaForSequenceClassification"]
    model = XLMRobertaForSequenceClassification(cfg)
    with torch.no_grad():  # a visible spread of logits: a random head gives every pair nearly one score
        model.classifier.dense.weight.mul_(20)
        model.classifier.out_proj.weight.mul_(150)
    model.save_pretrained(out)
    for name in os.listdir(tok_dir):
        shutil.copy(os.path.join(tok_dir, name), os.path.join(out, name))
    hub_dtype(out)
    pairs = [[TEXTS[i], TEXTS[j]] for i, j in [(0, 1), (14, 15), (17, 16), (0, 30), (29, 28), (15, 42), (42, 14)]]
    # Centre the logits on the test pairs so that the sigmoid scores spread around 0.5.
    centred = CrossEncoder(out, device="cpu").predict(pairs, activation_fn=torch.nn.Identity(), convert_to_numpy=True)
    with torch.no_grad():
        model.classifier.out_proj.bias.sub_(float(centred.mean()))
    model.save_pretrained(out)
    hub_dtype(out)
    ce = CrossEncoder(out, device="cpu")
    scores = ce.predict(pairs, convert_to_numpy=True)
    logits = ce.predict(pairs, convert_to_numpy=True, activation_fn=torch.nn.Identity())
    cases = []
    for (q, d), s, l in zip(pairs, scores, logits):
        enc = ce.tokenizer([q.strip()], [d.strip()], truncation="longest_first", max_length=ce.max_length)
        cases.append({"query": q, "document": d, "input_ids": enc["input_ids"][0],
                      "token_type_ids": enc.get("token_type_ids", [[0] * len(enc["input_ids"][0])])[0],
                      "score": float(s), "logit": float(l)})
    golden = {"note": "sentence-transformers CrossEncoder.predict over transformers XLMRobertaForSequenceClassification, fp32",
              "versions": versions(), "max_length": ce.max_length, "cases": cases}
    with open(os.path.join(out, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False)
    print(f"wrote {out}: {len(cases)} pairs, scores {[round(float(x), 3) for x in scores]}")


def main():
    tok_dir = tempfile.mkdtemp()
    make_tokenizer(tok_dir)
    e5(tok_dir)
    m3(tok_dir)
    reranker(tok_dir)
    shutil.rmtree(tok_dir)


if __name__ == "__main__":
    main()
