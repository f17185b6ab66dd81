#!/usr/bin/env python3
"""Tests/Fixtures/modernbert-tiny: a tiny random-weight ModernBERT in modernbert-embed-base's layout
(ModernBertModel; sentence-transformers Transformer + mean Pooling + Normalize; "search_query: " /
"search_document: " prompts), golden.json in ../shared/fixtures' format, computed by sentence-transformers
6.3.0 over transformers 5.23.0's ModernBertModel loading the fixture folder itself, of each text after
str.strip() as sentence-transformers 2-5 tokenize (6 no longer strips, which a byte-level BPE tokenizer shows).

config.json is written in the form Hub ModernBERT checkpoints carry (transformers 4.47/4.48: `global_attn_every_n_layers`,
`global_rope_theta`, `local_rope_theta`, `local_attention`, `norm_bias`), which transformers 5 still reads; weight names
are the same in both. Four layers, so both kinds are exercised: 0 and 3 global (θ = 160000), 1 and 2 local (θ = 10000,
keys within ±local_attention/2 positions: 16 here, so that ±8 cuts into most texts; 128 in the real models); texts
up to ~1,800 tokens.

The tokenizer is a byte-level BPE trained here on STS-B (en + zh) with ModernBERT's tokenizer.json shape: NFC
normalizer, ByteLevel pre-tokenizer without a prefix space, `[CLS] $A [SEP]` template, [UNK] [CLS] [SEP] [PAD] [MASK]
after the learned vocabulary ([MASK] with lstrip, as ModernBERT's). Q and K weights are scaled so attention (and
so rotary positions and windows) matter.

    /tmp/tf5-venv/bin/python scripts/dev/make_modernbert_fixture.py     (venv: see make_xlmr_fixtures.py)
"""
import json
import os
import shutil
import sys

import torch
from tokenizers import AddedToken, Tokenizer, decoders, models as tk_models, normalizers, pre_tokenizers, processors, trainers
from transformers import ModernBertConfig, ModernBertModel, PreTrainedTokenizerFast
from sentence_transformers import SentenceTransformer, models

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_xlmr_fixtures import FIXTURES, hub_layout, prompt_cases, standard_golden, sts_corpus, write_config, write_golden  # noqa: E402

OUT = os.path.join(FIXTURES, "modernbert-tiny")
PROMPTS = {"query": "search_query: ", "document": "search_document: "}
HIDDEN, LAYERS, HEADS, INNER = 32, 4, 2, 48


def tokenizer(out):
    corpus = sts_corpus()
    tok = Tokenizer(tk_models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=2000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                                        show_progress=False))
    tok.add_special_tokens(["[UNK]", "[CLS]", "[SEP]", "[PAD]", AddedToken("[MASK]", lstrip=True)])
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]",
                                   pad_token="[PAD]", mask_token="[MASK]", model_max_length=8192,
                                   clean_up_tokenization_spaces=True)
    fast.save_pretrained(out)
    return len(tok.get_vocab()), {t: tok.token_to_id(t) for t in ("[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]")}


def hub_tokenizer_config(out, ids):
    """tokenizer_config.json in the Hub's form (transformers 4.x: PreTrainedTokenizerFast), not transformers 5's."""
    decoder = {str(i): {"content": t, "lstrip": t == "[MASK]", "normalized": False, "rstrip": False, "single_word": False,
                        "special": True} for t, i in ids.items()}
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({"added_tokens_decoder": decoder, "clean_up_tokenization_spaces": True, "cls_token": "[CLS]",
                   "mask_token": "[MASK]", "model_input_names": ["input_ids", "attention_mask"], "model_max_length": 8192,
                   "pad_token": "[PAD]", "sep_token": "[SEP]", "tokenizer_class": "PreTrainedTokenizerFast",
                   "unk_token": "[UNK]"}, f, indent=2)


def hub_config(vocab, ids, **fields):
    """config.json as answerdotai/ModernBERT-base and its fine-tunes carry it, at this size (`fields` replace some)."""
    return {"_name_or_path": "answerdotai/ModernBERT-base", "architectures": ["ModernBertModel"], "attention_bias": False,
            "attention_dropout": 0.0, "bos_token_id": ids["[CLS]"], "classifier_activation": "gelu",
            "classifier_bias": False, "classifier_dropout": 0.0, "classifier_pooling": "mean",
            "cls_token_id": ids["[CLS]"], "decoder_bias": True, "deterministic_flash_attn": False,
            "embedding_dropout": 0.0, "eos_token_id": ids["[SEP]"], "global_attn_every_n_layers": 3,
            "global_rope_theta": 160000.0, "gradient_checkpointing": False, "hidden_activation": "gelu",
            "hidden_size": HIDDEN, "initializer_cutoff_factor": 2.0, "initializer_range": 0.02,
            "intermediate_size": INNER, "layer_norm_eps": 1e-05, "local_attention": 16, "local_rope_theta": 10000.0,
            "max_position_embeddings": 8192, "mlp_bias": False, "mlp_dropout": 0.0, "model_type": "modernbert",
            "norm_bias": False, "norm_eps": 1e-05, "num_attention_heads": HEADS, "num_hidden_layers": LAYERS,
            "pad_token_id": ids["[PAD]"], "position_embedding_type": "absolute", "sep_token_id": ids["[SEP]"],
            "tie_word_embeddings": True, "torch_dtype": "float32", "transformers_version": "4.48.0",
            "vocab_size": vocab, **fields}


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    vocab, ids = tokenizer(OUT)
    write_config(OUT, hub_config(vocab, ids))
    torch.manual_seed(6)
    cfg = ModernBertConfig.from_pretrained(OUT)
    assert cfg.layer_types == ["full_attention", "sliding_attention", "sliding_attention", "full_attention"], cfg.layer_types
    assert cfg.sliding_window == 8 and cfg.rope_parameters["sliding_attention"]["rope_theta"] == 10000.0
    model = ModernBertModel(cfg).eval()
    with torch.no_grad():
        for layer in model.layers:
            layer.attn.Wqkv.weight[: 2 * HIDDEN].mul_(8)
    model.save_pretrained(OUT)
    write_config(OUT, hub_config(vocab, ids))  # transformers 5 wrote its own form: the Hub's again

    word = models.Transformer(OUT, max_seq_length=8192)
    SentenceTransformer(modules=[word, models.Pooling(HIDDEN, pooling_mode="mean"), models.Normalize()], device="cpu",
                        prompts=PROMPTS).save(OUT)
    write_config(OUT, hub_config(vocab, ids))
    hub_layout(OUT, pooling={"pooling_mode_mean_tokens": True}, max_seq_length=8192)
    hub_tokenizer_config(OUT, ids)
    st = SentenceTransformer(OUT, device="cpu")   # reads the Hub-form config.json and tokenizer_config.json
    reloaded = st[0].auto_model
    assert reloaded.config.layer_types == cfg.layer_types and reloaded.config.sliding_window == 8

    # EmbedKit strips inputs as sentence-transformers 2-5 do (6.3 no longer does): the goldens are of stripped texts.
    golden = standard_golden(st, "ModernBertModel", strip=True)
    golden["prompts"] = prompt_cases(st)
    write_golden(OUT, golden)


if __name__ == "__main__":
    main()
