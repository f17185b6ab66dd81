#!/usr/bin/env python3
"""Property test: `embedkit tokenize` against Hugging Face `tokenizers` itself.

Builds or trains tokenizers covering every component EmbedKit supports (normalizers, pre-tokenizers,
WordPiece/BPE/Unigram models, post-processors, added tokens), saves each tokenizer.json in a temporary
model folder, tokenizes a corpus (every sentence of shared/data/sts/*.jsonl plus generated Unicode edge
cases) with HF and with `embedkit tokenize --model <folder> --input <file>`, and requires identical ids
on every line. Like sentence-transformers, each text is str.strip()-ed before HF encodes it (the CLI does
the same). Exit status 1 on any mismatch.

The `auto-*` configurations add a tokenizer_config.json (and config.json) whose tokenizer class rewrites
tokenizer.json components when transformers loads it (do_lower_case, strip_accents,
tokenize_chinese_chars, add_prefix_space): their reference is transformers' AutoTokenizer, as
sentence-transformers loads it, not the tokenizers library.

Usage: python3 scripts/tokenizer_parity.py --embedkit .build/release/embedkit [--sts DIR] [--keep]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

TOKENIZERS_VERSION = "0.19.1"
TRANSFORMERS_VERSION = "4.44.2"


def ensure_tokenizers():
    try:
        import tokenizers  # noqa: F401
        import transformers  # noqa: F401
        if tokenizers.__version__ == TOKENIZERS_VERSION and transformers.__version__ == TRANSFORMERS_VERSION:
            return
    except ImportError:
        pass
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", f"tokenizers=={TOKENIZERS_VERSION}",
                           f"transformers=={TRANSFORMERS_VERSION}"])


ensure_tokenizers()
import tokenizers  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers  # noqa: E402

transformers.logging.set_verbosity_error()


class AutoEncoding:
    """The parts of a transformers encoding the comparison reads, shaped like a tokenizers Encoding."""
    def __init__(self, ids, offsets, special_tokens_mask):
        self.ids, self.offsets, self.special_tokens_mask = ids, offsets, special_tokens_mask


HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def find_sts(explicit):
    cands = [explicit] if explicit else []
    cands += [os.path.join(REPO, "..", "shared", "data", "sts")]
    for c in cands:
        if c and os.path.isdir(c):
            return c
    return None


def load_corpus(sts_dir):
    seen, out = set(), []
    if sts_dir:
        for name in sorted(os.listdir(sts_dir)):
            if not name.endswith(".jsonl"):
                continue
            with open(os.path.join(sts_dir, name), encoding="utf-8") as f:
                for line in f:
                    line = line.strip()
                    if not line:
                        continue
                    row = json.loads(line)
                    for k in ("sentence1", "sentence2"):
                        s = row.get(k)
                        if isinstance(s, str) and s not in seen:
                            seen.add(s)
                            out.append(s)
    return out


def edge_cases():
    e = [
        "", " ", "a", "   ", "\t\n", "...!!!???", "  leading and trailing  ",
        "e\u0301 vs \u00e9 and a\u0308\u0304 and \u1e9b\u0323",       # combining marks, NFC/NFD
        "\u1100\u1161\u11a8 \uac01 \u1100\u1161",                     # Hangul jamo composition
        "\u0b47\u0b3e \u0f73 \u0dd9\u0dcf",                            # ccc-0 composition seconds
        "今天天气怎么样？我喜欢NLP和Machine Learning。", "繁體中文測試：這是一個句子。",
        "ＡＢＣ１２３全角字符！", "ｶﾀｶﾅ ㌀ ㍻ ﬁ ﬀ ² ½ Ⅻ ℌ",             # full-width / compatibility
        "👩‍👩‍👧‍👦 family, 👍🏽 thumbs, 🇩🇪 flag, 🏳️‍🌈", "I love pizza 🍕🔥 and sushi 🍣!",
        "مرحبا بالعالم", "שלום עולם", "\u202eRTL override\u202c", "\u200e\u200fmarks",
        "control\x00chars\x01here\x07 and \x7f del \x1b esc", "\x1c\x1d\x1e\x1f separators",
        "line one\nline two\r\nline three\rfour", "no\u00a0break\u00a0space and\u2009thin\u3000ideo",
        "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom", "line\u2028sep\u2029para\u0085nel",
        "replacement \ufffd char", "tab\there", "x" * 300, "token " * 50, "1234567890" * 12,
        "İstanbul ΟΔΟΣ ß straße ǅ ǈ Σίσυφος", "don't I'm we're they've it's you'll he'd 'quoted'",
        "Visit https://example.com/a?b=c&d=e (or email a.b@example.org).", "def f(x): return x ** 2  # comment",
        "In 2024, π ≈ 3.14159 and 1,000,000 people agreed.", "नमस्ते दुनिया", "สวัสดีชาวโลก", "Привет, мир!",
        "Café naïve résumé façade — déjà vu!", "HELLO World!!! MiXeD CaSe", "a\u0300\u0301\u0302\u0303",
        "\U00020000\U0002a700 \U0001f9d1\u200d\U0001f4bb", "mixed中文and English混合text", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛",
        "  multiple     spaces   inside  ", "\n\n\nnewlines\n\n", "____under__score__", "a-b_c.d,e;f:g!h?i",
        "<ent> tagged <ent>text</ent> ABC xABCx new york newyork [X] [x] <s> </s> [CLS] [SEP] [MASK]",
        "  <ent>  spaced  ABC  tokens  ", "New York NEW YORK new  york", "``quoted'' text ``again''",
        "digits 123 4567 ٣٤٥ ۱۲۳ ①②", "emoji🙂inside🙂words", "\u0130\u0131 i\u0307", "٠١٢٣٤٥٦٧٨٩",
        "Ａ\u0301 ｶﾞ A\u0301\u0302 \u0301lead ﬃ\u0308 ㍿\u0301 ①\u20dd",     # mapped scalars carrying marks (Precompiled)
        "ＦＵＬＬ　ｗｉｄｔｈ ｔｅｘｔ！ ™ ㎏ ℃ 𝐀𝐁𝐂 ǆ ŉ",
    ]
    return e


def write_model(folder, tok, text=None, tokenizer_config=None, config=None):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "tokenizer.json")
    if text is None:
        tok.save(path)
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    for name, content in (("tokenizer_config.json", tokenizer_config), ("config.json", config)):
        if content is not None:
            with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
                json.dump(content, f)


def auto_configs(wv, bl_json):
    """Tokenizers whose tokenizer_config.json makes transformers rewrite components:
    [(name, tokenizer, tokenizer_config, config.json or None)]."""
    def bert_json(**normalizer):
        return wp(wv, normalizers.BertNormalizer(**normalizer), pre_tokenizers.BertPreTokenizer())

    def byte_level(prefix, post_prefix):
        t = Tokenizer.from_str(json.dumps(bl_json))
        t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=prefix)
        t.post_processor = processors.RobertaProcessing(("</s>", t.token_to_id("</s>")), ("<s>", t.token_to_id("<s>")),
                                                        add_prefix_space=post_prefix)
        return t

    return [
        # BertTokenizer with do_lower_case unset: transformers lowercases (default True).
        ("auto-bert-json-cased-config-silent", bert_json(lowercase=False), {"tokenizer_class": "BertTokenizer"}, None),
        ("auto-bert-json-uncased-config-cased", bert_json(lowercase=True), {"tokenizer_class": "BertTokenizerFast", "do_lower_case": False}, None),
        ("auto-bert-strip-accents-false", bert_json(lowercase=True), {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "strip_accents": False}, None),
        ("auto-bert-cased-strip-accents-true", bert_json(lowercase=True), {"tokenizer_class": "BertTokenizer", "do_lower_case": False, "strip_accents": True}, None),
        ("auto-bert-no-chinese-chars", bert_json(lowercase=True), {"tokenizer_class": "BertTokenizer", "tokenize_chinese_chars": False}, None),
        ("auto-distilbert-cased", bert_json(lowercase=True, handle_chinese_chars=False), {"tokenizer_class": "DistilBertTokenizer", "do_lower_case": False}, None),
        # No tokenizer_class: AutoTokenizer picks the class from config.json's model_type.
        ("auto-bert-from-model-type", bert_json(lowercase=False), {}, {"model_type": "bert"}),
        # PreTrainedTokenizerFast rewrites nothing.
        ("auto-pretrained-fast-cased", bert_json(lowercase=False), {"tokenizer_class": "PreTrainedTokenizerFast"}, None),
        ("auto-roberta-add-prefix-space", byte_level(False, False), {"tokenizer_class": "RobertaTokenizer", "add_prefix_space": True}, None),
        ("auto-roberta-default-no-prefix-space", byte_level(True, True), {"tokenizer_class": "RobertaTokenizer"}, None),
        ("auto-roberta-from-model-type", byte_level(True, True), {}, {"model_type": "roberta"}),
        ("auto-gpt2-add-prefix-space", byte_level(False, False), {"tokenizer_class": "GPT2Tokenizer", "add_prefix_space": True}, None),
    ]


def train_wordpiece(corpus):
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tr = trainers.WordPieceTrainer(vocab_size=3000, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], show_progress=False)
    tok.train_from_iterator(corpus, tr)
    return tok.get_vocab()


def wp(vocab, normalizer, pre, post=None, max_chars=100):
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=max_chars))
    if normalizer is not None:
        tok.normalizer = normalizer
    if pre is not None:
        tok.pre_tokenizer = pre
    tok.add_special_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tok.post_processor = post or processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    tok.decoder = decoders.WordPiece()
    return tok


def roberta_post(tok):
    return processors.RobertaProcessing(("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")))


def build_all(corpus):
    """Returns [(name, tokenizer, max_length or None[, tokenizer.json text for EmbedKit])]."""
    out = []
    wv = train_wordpiece(corpus)
    cls_sep = dict(cls=("[CLS]", wv["[CLS]"]), sep=("[SEP]", wv["[SEP]"]))
    bert = wp(wv, normalizers.BertNormalizer(lowercase=True), pre_tokenizers.BertPreTokenizer())
    out.append(("wordpiece-bert-uncased", bert, None))
    out.append(("wordpiece-bert-uncased-max16", wp(wv, normalizers.BertNormalizer(lowercase=True), pre_tokenizers.BertPreTokenizer()), 16))
    out.append(("wordpiece-bert-cased-strip", wp(wv, normalizers.BertNormalizer(lowercase=False, strip_accents=True, handle_chinese_chars=False),
                                                 pre_tokenizers.BertPreTokenizer(), processors.BertProcessing(**cls_sep)), None))
    out.append(("wordpiece-bert-noclean-nostrip", wp(wv, normalizers.BertNormalizer(clean_text=False, lowercase=True, strip_accents=False),
                                                     pre_tokenizers.BertPreTokenizer(), max_chars=12), None))
    out.append(("wordpiece-nfkd-stripaccents-whitespacesplit", wp(wv, normalizers.Sequence([normalizers.NFKD(), normalizers.StripAccents(), normalizers.Lowercase()]),
                                                                  pre_tokenizers.WhitespaceSplit()), None))
    out.append(("wordpiece-nfd-punct-digits", wp(wv, normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase()]),
                                                 pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True)])), None))
    out.append(("wordpiece-punct-contiguous-digits", wp(wv, normalizers.Lowercase(),
                                                        pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(behavior="merged_with_previous"),
                                                                                 pre_tokenizers.Digits(individual_digits=False)])), None))
    for behavior in ["removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous"]:
        for invert in (False, True):
            pre = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(r"[\s,.!?;:]+|\d+"), behavior=behavior, invert=invert),
                                           pre_tokenizers.Split(" ", behavior="removed")])
            out.append((f"split-regex-{behavior}-{'inv' if invert else 'plain'}", wp(wv, normalizers.BertNormalizer(lowercase=True), pre), None))
    out.append(("split-string-punctuation-isolated", wp(wv, normalizers.Lowercase(), pre_tokenizers.Sequence(
        [pre_tokenizers.Split("a", behavior="merged_with_next"), pre_tokenizers.Punctuation(), pre_tokenizers.WhitespaceSplit()])), None))
    added = wp(wv, normalizers.BertNormalizer(lowercase=True), pre_tokenizers.BertPreTokenizer())
    added.add_tokens([AddedToken("<ent>", lstrip=True, rstrip=True, normalized=False), AddedToken("new york", single_word=True, normalized=True),
                      AddedToken("ABC", rstrip=True, normalized=False), AddedToken("</ent>", single_word=True, normalized=False)])
    added.add_special_tokens([AddedToken("[X]", lstrip=True)])
    out.append(("wordpiece-added-tokens", added, None))
    out.append(("wordpiece-replace-strip-prepend", wp(wv, normalizers.Sequence([
        normalizers.Replace("``", '"'), normalizers.Replace("''", '"'), normalizers.Replace(Regex(r"\s+"), " "),
        normalizers.Strip(), normalizers.Prepend("x"), normalizers.NFKC(), normalizers.Lowercase()]), pre_tokenizers.WhitespaceSplit()), None))

    # BPE on raw Unicode, like jina-embeddings-v2-base-zh.
    zh = Tokenizer(models.BPE(unk_token="<unk>"))
    zh.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    zh.pre_tokenizer = pre_tokenizers.Whitespace()
    zh.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=4000, limit_alphabet=1500,
                                                       special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"], show_progress=False))
    zh.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", zh.token_to_id("<s>")), ("</s>", zh.token_to_id("</s>"))])
    zh.decoder = decoders.BPEDecoder()
    out.append(("bpe-unicode-nfc-lowercase-whitespace", zh, None))

    # BPE with prefix/suffix, fuse_unk, merges as pairs.
    ps = Tokenizer(models.BPE(unk_token="<unk>", continuing_subword_prefix="##", end_of_word_suffix="</w>", fuse_unk=True))
    ps.normalizer = normalizers.NFKC()
    ps.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    ps.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=3000, limit_alphabet=200, continuing_subword_prefix="##", end_of_word_suffix="</w>",
                                                       special_tokens=["<s>", "<pad>", "</s>", "<unk>"], show_progress=False))
    ps.post_processor = processors.BertProcessing(("</s>", ps.token_to_id("</s>")), ("<s>", ps.token_to_id("<s>")))
    out.append(("bpe-prefix-suffix-fuse-unk", ps, None))

    # Byte-level BPE like jina-embeddings-v2-base-de / RoBERTa / GPT-2.
    bl = Tokenizer(models.BPE())
    bl.normalizer = normalizers.NFC()
    bl.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bl.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=5000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                                       special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"], show_progress=False))
    bl.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", bl.token_to_id("<s>")), ("</s>", bl.token_to_id("</s>"))])
    bl.decoder = decoders.ByteLevel()
    out.append(("bpe-bytelevel-jina-de", bl, None))
    bl_json = json.loads(bl.to_str())

    rb = Tokenizer.from_str(json.dumps(bl_json))
    rb.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    rb.post_processor = roberta_post(rb)
    rb.add_special_tokens([AddedToken("<mask>", lstrip=True)])
    out.append(("bpe-bytelevel-roberta-prefix-space", rb, None))

    g2 = Tokenizer.from_str(json.dumps(dict(bl_json, normalizer=None)))
    g2.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    g2.post_processor = processors.ByteLevel(trim_offsets=True)
    out.append(("bpe-bytelevel-gpt2-digits-noprocessing", g2, None))

    nr = Tokenizer.from_str(json.dumps(bl_json))
    nr.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(r"\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+|\s+"), behavior="isolated"),
                                                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    nr.post_processor = processors.Sequence([processors.ByteLevel(trim_offsets=False), roberta_post(nr)])
    out.append(("bpe-bytelevel-split-regex-sequence-processor", nr, None))

    # The GPT-4 / Qwen2 pre-tokenization (gte-Qwen2, Qwen3-Embedding): case-insensitive contractions,
    # letters with one leading non-letter, single digits, a negative lookahead; NFC; no prefix space.
    qw = Tokenizer.from_str(json.dumps(dict(bl_json, normalizer={"type": "NFC"})))
    qw.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"),
                             behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    qw.post_processor = processors.ByteLevel(trim_offsets=False)
    out.append(("bpe-bytelevel-qwen2-regex", qw, None))

    # Merges serialized as ["a", "b"] pairs, ignore_merges.
    pj = json.loads(zh.to_str())
    pj["model"]["merges"] = [m.split(" ") for m in pj["model"]["merges"]]
    # tokenizers 0.19 cannot read this form (newer versions write it): HF runs the "a b" original,
    # EmbedKit reads the pairs.
    out.append(("bpe-merges-as-pairs", zh, None, json.dumps(pj)))
    ij = json.loads(zh.to_str())
    ij["model"]["ignore_merges"] = True
    out.append(("bpe-ignore-merges", Tokenizer.from_str(json.dumps(ij)), None))

    # BPE byte_fallback: add <0xXX> tokens to a small-alphabet vocabulary.
    fb = json.loads(zh.to_str())
    vocab = fb["model"]["vocab"]
    nxt = max(vocab.values()) + 1
    for b in range(256):
        t = "<0x%02X>" % b
        if t not in vocab:
            vocab[t] = nxt
            nxt += 1
    fb["model"]["byte_fallback"] = True
    fb["model"]["unk_token"] = None
    out.append(("bpe-byte-fallback", Tokenizer.from_str(json.dumps(fb)), None))
    fu = json.loads(zh.to_str())
    fu["model"]["fuse_unk"] = True
    out.append(("bpe-unk-fused", Tokenizer.from_str(json.dumps(fu)), None))

    # Unigram + Metaspace like XLM-R / T5.
    ug = Tokenizer(models.Unigram())
    ug.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(r" {2,}"), " ")])
    ug.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    ug.train_from_iterator(corpus, trainers.UnigramTrainer(vocab_size=3000, special_tokens=["<s>", "<pad>", "</s>", "<unk>"], unk_token="<unk>",
                                                           show_progress=False))
    ug.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", ug.token_to_id("<s>")), ("</s>", ug.token_to_id("</s>"))])
    ug.decoder = decoders.Metaspace()
    out.append(("unigram-metaspace-always", ug, None))
    uj = json.loads(ug.to_str())
    uj["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": True}
    uj["normalizer"] = {"type": "Sequence", "normalizers": [{"type": "Strip", "strip_left": True, "strip_right": True},
                                                            {"type": "Lowercase"}]}
    out.append(("unigram-metaspace-first-strip-lowercase", Tokenizer.from_str(json.dumps(uj)), None))
    uj2 = json.loads(ug.to_str())
    uj2["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"},
                                                                   {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": False}]}
    vocab = uj2["model"]["vocab"]
    have = {p for p, _ in vocab}
    for b in range(256):
        t = "<0x%02X>" % b
        if t not in have:
            vocab.append([t, -20.0])
    uj2["model"]["byte_fallback"] = True
    out.append(("unigram-byte-fallback-metaspace-never", Tokenizer.from_str(json.dumps(uj2)), None))

    # SentencePiece's Precompiled normalizer (nmt_nfkc), as XLM-R / multilingual-e5 convert: the fixture
    # built by scripts/dev/make_precompiled_fixture.py, and the Unigram trained above behind it.
    xl = Tokenizer.from_file(os.path.join(REPO, "Tests", "Fixtures", "tokenizers", "unigram-precompiled", "tokenizer.json"))
    out.append(("unigram-precompiled-nmt-nfkc", xl, None))
    pj = json.loads(ug.to_str())
    pj["normalizer"] = json.loads(xl.to_str())["normalizer"]["normalizers"][0]
    out.append(("unigram-trained-precompiled-only", Tokenizer.from_str(json.dumps(pj)), None))
    for name, tok, tokenizer_config, config in auto_configs(wv, bl_json):
        out.append((name, tok, None, None, tokenizer_config, config))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--embedkit", required=True, help="path to the built embedkit binary")
    ap.add_argument("--sts", help="folder of the STS jsonl files (default: <repo>/../shared/data/sts)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--only", help="run only configurations whose name contains this")
    ap.add_argument("--offsets", action="store_true",
                    help="also compare character offsets (reported per configuration, not counted as failures)")
    args = ap.parse_args()
    if not os.path.exists(args.embedkit):
        print(f"error: {args.embedkit} not found (build with: swift build -c release --product embedkit)", file=sys.stderr)
        return 2

    sts = find_sts(args.sts)
    corpus = load_corpus(sts)
    if not corpus:
        print("warning: no STS data found; using the edge cases only", file=sys.stderr)
    texts = corpus + edge_cases()
    prepared = [t.strip() for t in texts]  # sentence-transformers strips; so does the CLI
    print(f"tokenizers {tokenizers.__version__}; corpus: {len(corpus)} STS sentences + {len(edge_cases())} edge cases")

    tmp = tempfile.mkdtemp(prefix="embedkit-parity-")
    input_path = os.path.join(tmp, "input.jsonl")
    with open(input_path, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps(t) + "\n")

    configs = build_all(corpus or texts)
    total_lines = total_tokens = mismatches = ran = 0
    failed = []
    for config in configs:
        name, tok, max_len = config[:3]
        if args.only and args.only not in name:
            continue
        ran += 1
        folder = os.path.join(tmp, name)
        text = config[3] if len(config) > 3 else None
        tokenizer_config = config[4] if len(config) > 4 else None
        write_model(folder, tok, text, tokenizer_config, config[5] if len(config) > 5 else None)
        if max_len:
            tok.enable_truncation(max_length=max_len)
        else:
            tok.no_truncation()
        tok.no_padding()
        if tokenizer_config is not None:
            # As sentence-transformers loads it: transformers' AutoTokenizer over the folder.
            auto = AutoTokenizer.from_pretrained(folder)
            encodings = auto(prepared, add_special_tokens=True, return_offsets_mapping=True)
            encodings = [AutoEncoding(i, o, m) for i, o, m in zip(
                encodings["input_ids"], encodings["offset_mapping"],
                auto(prepared, return_special_tokens_mask=True)["special_tokens_mask"])]
        else:
            encodings = tok.encode_batch(prepared)
        expected = [e.ids for e in encodings]
        cmd = [args.embedkit, "tokenize", "--model", folder, "--input", input_path]
        if max_len:
            cmd += ["--max-length", str(max_len)]
        if args.offsets:
            cmd += ["--offsets"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            print(f"FAIL {name}: embedkit exited {p.returncode}: {p.stderr.strip()[:500]}")
            failed.append(name)
            mismatches += len(texts)
            continue
        got = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
        if args.offsets:
            # HF offsets index the stripped text (what was encoded); EmbedKit's index the text as given
            # (null for special tokens).
            off_bad = 0
            for i, (g, e) in enumerate(zip(got, encodings)):
                lead = len(texts[i]) - len(texts[i].lstrip())
                want = [None if sp else [o[0] + lead, o[1] + lead] for o, sp in zip(e.offsets, e.special_tokens_mask)]
                # A token EmbedKit marks special (null) matches HF's (0, 0).
                want = [None if w is not None and got_o is None and tuple(o) == (0, 0) else w
                        for w, got_o, o in zip(want, g["offsets"], e.offsets)]
                if g["ids"] == e.ids and g["offsets"] != want:
                    off_bad += 1
                    if off_bad <= 2:
                        diff = next(k for k in range(len(want)) if g["offsets"][k] != want[k])
                        print(f"  offsets {name} line {i + 1} token {diff}: {prepared[i][:60]!r}\n"
                              f"    hf:       {want[diff:diff + 4]}\n    embedkit: {g['offsets'][diff:diff + 4]}")
            print(f"     {name}: offsets identical on {len(got) - off_bad}/{len(got)} lines")
            got = [g["ids"] for g in got]
        bad = 0
        if len(got) != len(expected):
            print(f"FAIL {name}: {len(got)} output lines for {len(expected)} inputs")
            bad = len(expected)
        else:
            for i, (g, e) in enumerate(zip(got, expected)):
                if g != e:
                    bad += 1
                    if bad <= 3:
                        print(f"  mismatch {name} line {i + 1}: {texts[i][:80]!r}\n    hf:       {e[:40]}\n    embedkit: {g[:40]}")
        total_lines += len(expected)
        total_tokens += sum(len(e) for e in expected)
        mismatches += bad
        print(f"{'ok  ' if bad == 0 else 'FAIL'} {name}: {len(expected) - bad}/{len(expected)} lines identical")
        if bad:
            failed.append(name)
    print(f"checked {total_lines} lines ({total_tokens} tokens) over {ran} tokenizers; {mismatches} mismatching lines")
    if args.keep:
        print(f"kept {tmp}")
    else:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        print("failed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
