#!/usr/bin/env python3
"""Tests/Fixtures/qwen3-tiny: a tiny random-weight Qwen3 decoder in Qwen3-Embedding-0.6B's layout (sentence-transformers
Transformer + last-token Pooling + Normalize; its "query" instruction prompt), golden.json in ../shared/fixtures' format,
computed by sentence-transformers 6.3.0 over transformers 5.23.0's Qwen3Model loading the fixture folder itself.

What it exercises: pre-RMSNorm decoder layers, RMSNorm on each head of Q and K before rotary (θ = 1e6), grouped-query
attention (4 query heads over 2 key/value heads, head_dim 16, so Q is wider than the hidden size), a causal mask, SwiGLU,
the final norm, and last-token pooling of the EOS token the tokenizer appends. RMSNorm weights are drawn around 1 so
that each is used.

config.json in the form Hub Qwen3 checkpoints carry (transformers 4.51: `rope_theta`, `rope_scaling: null`,
`use_sliding_window: false`), which transformers 5 reads. The tokenizer: a byte-level BPE trained here on STS-B (en +
zh) with Qwen2's tokenizer.json shape (NFC; the Qwen2 split regex, isolated, then ByteLevel without regex) and the
post-processor Qwen3-Embedding's tokenizer.json has, `$A <|endoftext|>`, which appends the EOS token that last-token
pooling reads. Goldens are of stripped texts, as sentence-transformers 2-5 tokenize (6 no longer strips).

    /tmp/tf5-venv/bin/python scripts/dev/make_qwen3_fixture.py     (venv: see make_xlmr_fixtures.py)
"""
import json
import os
import shutil
import sys

import torch
from tokenizers import Regex, Tokenizer, decoders, models as tk_models, normalizers, pre_tokenizers, processors, trainers
from transformers import Qwen3Config, Qwen3Model, PreTrainedTokenizerFast
from sentence_transformers import SentenceTransformer, models

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_xlmr_fixtures import FIXTURES, hub_layout, prompt_cases, standard_golden, sts_corpus, write_config, write_golden  # noqa: E402

OUT = os.path.join(FIXTURES, "qwen3-tiny")
PROMPTS = {"query": "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:",
           "document": ""}
HIDDEN, LAYERS, HEADS, KV_HEADS, HEAD_DIM, INNER = 32, 2, 4, 2, 16, 64
SPLIT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def tokenizer(out):
    corpus = sts_corpus()
    tok = Tokenizer(tk_models.BPE(continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False, byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=2000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                                        show_progress=False))
    tok.add_special_tokens(SPECIAL)
    eos = tok.token_to_id("<|endoftext|>")
    tok.post_processor = processors.TemplateProcessing(single="$A <|endoftext|>", pair="$A <|endoftext|> $B:1 <|endoftext|>:1",
                                                       special_tokens=[("<|endoftext|>", eos)])
    PreTrainedTokenizerFast(tokenizer_object=tok).save_pretrained(out)
    ids = {t: tok.token_to_id(t) for t in SPECIAL}
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:   # Qwen3-Embedding's form (transformers 4.51)
        json.dump({"add_prefix_space": False,
                   "added_tokens_decoder": {str(i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                                                     "single_word": False, "special": True} for t, i in ids.items()},
                   "additional_special_tokens": ["<|im_start|>", "<|im_end|>"], "bos_token": None,
                   "clean_up_tokenization_spaces": False, "eos_token": "<|im_end|>", "errors": "replace",
                   "model_max_length": 131072, "pad_token": "<|endoftext|>", "padding_side": "left",
                   "split_special_tokens": False, "tokenizer_class": "Qwen2Tokenizer", "unk_token": None}, f, indent=2)
    return len(tok.get_vocab()), ids


def hub_config(vocab, ids, **fields):
    """config.json as Qwen3-Embedding-0.6B carries it, at this size (`fields` replace some)."""
    return {"architectures": ["Qwen3ForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
            "bos_token_id": ids["<|endoftext|>"], "eos_token_id": ids["<|endoftext|>"], "head_dim": HEAD_DIM,
            "hidden_act": "silu", "hidden_size": HIDDEN, "initializer_range": 0.02, "intermediate_size": INNER,
            "max_position_embeddings": 32768, "max_window_layers": LAYERS, "model_type": "qwen3",
            "num_attention_heads": HEADS, "num_hidden_layers": LAYERS, "num_key_value_heads": KV_HEADS,
            "rms_norm_eps": 1e-06, "rope_scaling": None, "rope_theta": 1000000, "sliding_window": None,
            "tie_word_embeddings": True, "torch_dtype": "float32", "transformers_version": "4.51.3", "use_cache": True,
            "use_sliding_window": False, "vocab_size": vocab, **fields}


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    vocab, ids = tokenizer(OUT)
    write_config(OUT, hub_config(vocab, ids))
    torch.manual_seed(7)
    cfg = Qwen3Config.from_pretrained(OUT)
    assert cfg.rope_parameters["rope_theta"] == 1e6 and cfg.num_key_value_heads == KV_HEADS, cfg
    model = Qwen3Model(cfg).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.3 * torch.randn_like(p))
    model.save_pretrained(OUT)
    word = models.Transformer(OUT, max_seq_length=32768)
    SentenceTransformer(modules=[word, models.Pooling(HIDDEN, pooling_mode="lasttoken"), models.Normalize()], device="cpu",
                        prompts=PROMPTS).save(OUT)
    vocab_files = tokenizer(OUT)   # sentence-transformers rewrote the tokenizer files in transformers 5's form
    assert vocab_files == (vocab, ids)
    write_config(OUT, hub_config(vocab, ids))
    hub_layout(OUT, pooling={"pooling_mode_lasttoken": True}, max_seq_length=32768)
    st = SentenceTransformer(OUT, device="cpu")
    eos = ids["<|endoftext|>"]
    assert st.tokenize(["a b"])["input_ids"][0].tolist()[-1] == eos, "the tokenizer does not append <|endoftext|>"

    golden = standard_golden(st, "Qwen3Model", strip=True)
    golden["pooling"] = "lasttoken"
    golden["prompts"] = prompt_cases(st)
    write_golden(OUT, golden)


if __name__ == "__main__":
    main()
