#!/usr/bin/env python3
"""Tests/Fixtures/reranker-tiny: a tiny random-weight BERT cross-encoder (BertForSequenceClassification,
one label, as cross-encoder/ms-marco-MiniLM-L-6-v2 is) written by transformers in the layout Hub
checkpoints carry (`bert.`-prefixed encoder, `bert.pooler.dense`, `classifier`), with dmeta-tiny's
tokenizer, and its references:

- golden.json `cases`: sentence-transformers' CrossEncoder.predict scores (its default sigmoid) and raw
  logits for query/document pairs, with the token ids and type ids CrossEncoder feeds the model;
- golden.json `pair_tokenization`: HF tokenizers' pair encodings (`truncation="longest_first"`) of the
  same tokenizer with its TemplateProcessing, a BertProcessing and a RobertaProcessing post-processor, at
  several max lengths;
- golden.json `reranking`: mteb 1.1.1's reranking metrics (sklearn AP, MRR@10) on four samples scored by
  the cross-encoder;
- golden.json `long_documents`: documents longer than a pair holds, cut as HF tokenizers cuts them with
  `truncation="only_second", return_overflowing_tokens=True, stride=0` (the query whole beside each
  consecutive window of the document), each window's logit from the transformers model, and the best
  window's sigmoid score (what `CrossEncoder.LongDocuments.bestChunk` and the server's rerank routes give).

    python3 -m venv /tmp/ce-venv && /tmp/ce-venv/bin/pip install torch transformers==4.44.2 \
        sentence-transformers==3.4.1 tokenizers==0.19.1 scikit-learn==1.3.2
    /tmp/ce-venv/bin/python scripts/dev/make_reranker_fixture.py
"""
import json
import os
import shutil

import torch
import transformers
import sentence_transformers
import tokenizers
from tokenizers import Tokenizer, processors
from transformers import BertConfig, BertForSequenceClassification
from sentence_transformers import CrossEncoder

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE = os.path.join(REPO, "Tests", "Fixtures", "dmeta-tiny")
OUT = os.path.join(REPO, "Tests", "Fixtures", "reranker-tiny")

LONG_DOC = " ".join(f"Sentence {i} of a long document about pandas, bamboo and the mountains of Sichuan." for i in range(60))
LONG_QUERY = " ".join(f"query word {i}" for i in range(250))
PAIRS = [
    ["what is a panda?", "The giant panda is a bear native to South Central China."],
    ["what is a panda?", "Paris is the capital and most populous city of France."],
    ["今天天气怎么样?", "今天是晴天，气温二十度。"],
    ["  spaces around the query  ", "\tand around the document\n"],
    ["a query with an empty document", ""],
    ["how long can a document be?", LONG_DOC],
    [LONG_QUERY, "a short document"],
    ["Café naïve", "résumé déjà vu, façade"],
]
# Documents longer than a pair holds (512 tokens): several windows, a window boundary inside a word's
# tokens, and a document that just fits.
LONG_DOCUMENTS = [
    ["what is a panda?", " ".join(f"Paragraph {i}: the giant panda lives in the mountains of Sichuan and eats bamboo."
                                  for i in range(90))],
    ["大熊猫吃什么?", "大熊猫主要吃竹子，生活在四川的山区。" * 60 + " unbelievably extraordinarily " * 40],
    ["fits", " ".join(["word"] * 500)],
]
# Pairs of token-count shapes for the longest_first branches: short/long, long/short, equal, both long.
TOKENIZATION_PAIRS = [
    ["a b c", "d e f g h i j k l m n o p"],
    ["d e f g h i j k l m n o p", "a b c"],
    ["a b c d e f", "g h i j k l"],
    ["one two three four five six seven", "eight nine ten eleven twelve thirteen fourteen fifteen"],
    ["panda", ""],
]
MAX_LENGTHS = [3, 4, 6, 9, 10, 16, 40, None]
# mteb's reranking task scored with the cross-encoder (`embedkit eval reranking --cross-encoder`).
RERANKING = [
    {"query": "what is a panda?", "positive": ["The giant panda is a bear native to China.", "Pandas eat bamboo."],
     "negative": ["Paris is the capital of France.", "The stock market fell today.", "A recipe for bread."]},
    {"query": "capital of France", "positive": ["Paris is the capital of France."],
     "negative": ["Pandas eat bamboo.", "Berlin is in Germany.", "The sea is blue.", "Cats sleep a lot."]},
    {"query": "今天天气怎么样?", "positive": ["今天是晴天。"], "negative": ["我喜欢吃面条。", "股票下跌了。"]},
    {"query": "how to bake bread", "positive": ["Mix flour, water, yeast and salt, then bake.", "Bread needs an oven."],
     "negative": ["The giant panda is a bear.", "Rivers flow to the sea."]},
]


def main():
    torch.manual_seed(20261207)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    for name in ["tokenizer.json", "vocab.txt", "special_tokens_map.json"]:
        shutil.copy(os.path.join(SOURCE, name), os.path.join(OUT, name))
    with open(os.path.join(SOURCE, "tokenizer_config.json")) as f:
        tc = json.load(f)
    tc["model_max_length"] = 512
    tc.pop("max_length", None)
    with open(os.path.join(OUT, "tokenizer_config.json"), "w") as f:
        json.dump(tc, f, ensure_ascii=False, indent=1)

    config = BertConfig(vocab_size=21128, hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=96, max_position_embeddings=512, num_labels=1,
                        architectures=["BertForSequenceClassification"])
    model = BertForSequenceClassification(config)
    with torch.no_grad():  # a visible spread of logits: a random head gives every pair nearly one score
        model.bert.pooler.dense.weight.mul_(20)
        model.classifier.weight.mul_(150)
    model.save_pretrained(OUT, safe_serialization=True)
    # Centre the logits on the test pairs so that the sigmoid scores spread around 0.5.
    centred = CrossEncoder(OUT, device="cpu").predict(PAIRS, activation_fct=torch.nn.Identity(), convert_to_numpy=True)
    with torch.no_grad():
        model.classifier.bias.sub_(float(centred.mean()))
    model.save_pretrained(OUT, safe_serialization=True)

    ce = CrossEncoder(OUT, device="cpu")
    scores = ce.predict(PAIRS, batch_size=3, convert_to_numpy=True)
    logits = ce.predict(PAIRS, batch_size=3, convert_to_numpy=True, activation_fct=torch.nn.Identity())
    cases = []
    for pair, s, l in zip(PAIRS, scores, logits):
        # As CrossEncoder calls it: a batch of pairs (a single call would drop an empty second text).
        enc = ce.tokenizer([pair[0].strip()], [pair[1].strip()], truncation="longest_first", max_length=ce.max_length)
        cases.append({"query": pair[0], "document": pair[1], "input_ids": enc["input_ids"][0],
                      "token_type_ids": enc["token_type_ids"][0], "score": float(s), "logit": float(l)})

    base = Tokenizer.from_file(os.path.join(OUT, "tokenizer.json"))
    cls, sep = ("[CLS]", base.token_to_id("[CLS]")), ("[SEP]", base.token_to_id("[SEP]"))
    variants = {
        "template": None,
        "bert_processing": processors.BertProcessing(sep, cls),
        "roberta_processing": processors.RobertaProcessing(sep, cls, trim_offsets=False),
    }
    tokenization = []
    for name, post in variants.items():
        tok = Tokenizer.from_file(os.path.join(OUT, "tokenizer.json"))
        tok.no_padding()
        if post is not None:
            tok.post_processor = post
        for max_length in MAX_LENGTHS:
            if max_length is None:
                tok.no_truncation()
            else:
                tok.enable_truncation(max_length=max_length, strategy="longest_first")
            for a, b in TOKENIZATION_PAIRS:
                e = tok.encode(a, b)
                tokenization.append({"post_processor": name, "max_length": max_length, "first": a, "second": b,
                                     "ids": e.ids, "type_ids": e.type_ids})

    # mteb 1.1.1 RerankingEvaluator.compute_metrics_individual on the cross-encoder's scores: sklearn's
    # average_precision_score per sample, MRR@10 on torch.argsort(-scores).
    from sklearn.metrics import average_precision_score
    aps, rrs = [], []
    for sample in RERANKING:
        docs = sample["positive"] + sample["negative"]
        labels = [1] * len(sample["positive"]) + [0] * len(sample["negative"])
        s = torch.tensor(ce.predict([[sample["query"], d] for d in docs], convert_to_numpy=True))
        aps.append(average_precision_score(labels, s.numpy()))
        order = torch.argsort(-s).tolist()
        rrs.append(next((1 / (rank + 1) for rank, i in enumerate(order[:10]) if labels[i] == 1), 0.0))
    reranking = {"samples": RERANKING, "map": float(sum(aps) / len(aps)), "mrr": float(sum(rrs) / len(rrs))}

    # Long documents: HF's overflowing windows of the document beside the whole query, each scored.
    long_documents = []
    for q, d in LONG_DOCUMENTS:
        enc = ce.tokenizer(q.strip(), d.strip(), truncation="only_second", max_length=ce.max_length,
                           return_overflowing_tokens=True, stride=0)
        window_logits = []
        with torch.no_grad():
            for ids, types in zip(enc["input_ids"], enc["token_type_ids"]):
                out = ce.model(input_ids=torch.tensor([ids]), token_type_ids=torch.tensor([types]))
                window_logits.append(float(out.logits[0, 0]))
        best = max(window_logits)
        long_documents.append({"query": q, "document": d, "windows": enc["input_ids"], "window_type_ids": enc["token_type_ids"],
                               "window_logits": window_logits, "logit": best, "score": float(torch.sigmoid(torch.tensor(best)))})

    golden = {
        "note": "sentence-transformers CrossEncoder.predict over transformers BertForSequenceClassification, fp32; "
                "pair encodings by HF tokenizers",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "sentence-transformers": sentence_transformers.__version__, "tokenizers": tokenizers.__version__,
                     "scikit-learn": __import__("sklearn").__version__},
        "max_length": ce.max_length or ce.tokenizer.model_max_length,
        "cases": cases,
        "pair_tokenization": tokenization,
        "reranking": reranking,
        "long_documents": long_documents,
    }
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
    print(f"wrote {OUT}: {len(cases)} cross-encoder cases, {len(tokenization)} pair encodings")
    print("scores", [round(float(x), 4) for x in scores])


if __name__ == "__main__":
    main()
