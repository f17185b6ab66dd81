#!/usr/bin/env python3
"""Builds Tests/Fixtures/tokenizers/unigram-precompiled: an XLM-R-style tokenizer.json (Precompiled
nmt_nfkc normalizer + Replace, Metaspace, Unigram, <s> $A </s>) from a SentencePiece model trained on
the STS-B sentences, and expected.json with the ids HF `tokenizers` gives for edge-case texts.

Needs: sentencepiece, protobuf, tokenizers==0.19.1.  Usage: python3 scripts/dev/make_precompiled_fixture.py
"""
import json
import os
import tempfile

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "Tests", "Fixtures", "tokenizers", "unigram-precompiled")

TEXTS = [
    "Hello world", "  leading and   inner   spaces ", "ＦＵＬＬ ｗｉｄｔｈ　ｔｅｘｔ １２３", "ﬁnancial ﬂow Ⅻ ① ㍿ ㌔",
    "ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟ", "Ａ\u0301 e\u0301 A\u0301\u0302", "café naïve Å Ω K", "tab\there\nnewline\r\nend",
    "zero\u200bwidth\u00a0nbsp\u3000ideographic", "emoji 👩‍👩‍👧 👍🏽 🇫🇷", "한국어 텍스트 각", "ﺍﻟﻌﺮﺑﻴﺔ العربية",
    "中文测试，标点。“引号”！", "नमस्ते दुनिया", "ไทย ภาษา", "x\u0000y", "…‥‧ ― ‐ ‑", "™ © ® ℃ ℉ ㎏ ㎡",
    "Ǆ ǅ ǆ ĳ ŉ ſt", "\u0301start with mark", "a\u0308\u0301\u0323b", "𝐀𝐁𝐂 𝟏𝟐𝟑", "",
]


def main():
    corpus = []
    sts = os.path.join(REPO, "..", "shared", "data", "sts")
    for lang in ("en", "zh"):
        with open(os.path.join(sts, f"stsb-{lang}-train.jsonl"), encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                corpus += [d["sentence1"], d["sentence2"]]
    tmp = tempfile.mkdtemp()
    with open(os.path.join(tmp, "corpus.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(corpus))
    prefix = os.path.join(tmp, "m")
    spm.SentencePieceTrainer.train(input=os.path.join(tmp, "corpus.txt"), model_prefix=prefix, vocab_size=4000,
                                   model_type="unigram", normalization_rule_name="nmt_nfkc",
                                   character_coverage=0.9995, minloglevel=2)
    proto = model_pb2.ModelProto()
    with open(prefix + ".model", "rb") as f:
        proto.ParseFromString(f.read())
    vocab = [(p.piece, p.score) for p in proto.pieces]
    unk = next(i for i, p in enumerate(proto.pieces) if p.type == 2)
    tok = Tokenizer(models.Unigram(vocab, unk_id=unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(proto.normalizer_spec.precompiled_charsmap),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = tok.token_to_id("<s>"), tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", bos), ("</s>", eos)])
    tok.decoder = decoders.Metaspace()
    os.makedirs(OUT, exist_ok=True)
    tok.save(os.path.join(OUT, "tokenizer.json"))
    cases = [{"text": t, "ids": tok.encode(t.strip()).ids} for t in TEXTS]
    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"tokenizers": "0.19.1", "note": "ids of text.strip(), as sentence-transformers tokenizes",
                   "cases": cases}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
