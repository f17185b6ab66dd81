#!/usr/bin/env python3
"""Tests/Fixtures/nomic-tiny: a tiny random-weight NomicBERT in nomic-embed-text-v1.5's Hub layout, with its
sentence-transformers reference computed by transformers 5.23's own NomicBertModel.

nomic-embed-text-v1.5 on the Hub runs remote code (nomic-ai/nomic-bert-2048), whose config.json uses GPT-2's
field names (n_embd, n_head, n_layer, n_inner, n_positions, layer_norm_epsilon, rotary_emb_base, ...) and
whose weights carry the remote code's names (emb_ln, encoder.layers.N.attn.Wqkv, attn.out_proj, mlp.fc11/fc12/fc2,
norm1/norm2). transformers 5 reads such a checkpoint through its conversion mapping (Wqkv split into q/k/v, fc11
-> up_proj, fc12 -> gate_proj, ...) but reads config fields by its own names. So:

1. the model is built and saved by transformers (its own layout, in a scratch folder), sentence-transformers
   (Transformer + mean Pooling + Normalize, nomic's "search_query: " / "search_document: " prompts) computes
   golden.json over it;
2. the fixture is written in the Hub layout: config.json with the remote code's fields and values as the
   real checkpoint has them, model.safetensors with the remote code's weight names (q/k/v stacked into Wqkv);
3. the Hub-layout weights are loaded back by transformers (its conversion mapping, from the real names) and
   must give the same hidden states: this checks that the names written are the names transformers expects
   from real nomic checkpoints.

The tokenizer is bert-base-uncased's (../shared/fixtures/all-MiniLM-L6-v2), as nomic's is, with
model_max_length 8192. Q and K weights are scaled up so that attention scores (and so rotary positions) matter.

    /tmp/tf5-venv/bin/python scripts/dev/make_nomic_fixture.py     (venv: see make_xlmr_fixtures.py)
"""
import json
import os
import shutil
import sys
import tempfile

import torch
from safetensors.torch import save_file
from transformers import AutoModel, NomicBertConfig, NomicBertModel
from sentence_transformers import SentenceTransformer, models

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_xlmr_fixtures import FIXTURES, REPO, TEXTS, hub_layout, prompt_cases, standard_golden, write_config  # noqa: E402

OUT = os.path.join(FIXTURES, "nomic-tiny")
MINILM = os.path.join(REPO, "..", "shared", "fixtures", "all-MiniLM-L6-v2")
PROMPTS = {"query": "search_query: ", "document": "search_document: ", "classification": "classification: ",
           "clustering": "clustering: "}
HIDDEN, LAYERS, HEADS, INNER, VOCAB = 32, 2, 4, 64, 30528


def hub_config(cfg):
    """config.json as nomic-embed-text-v1.5 carries it (remote code, GPT2Config-based), for transformers' `cfg`."""
    return {
        "_name_or_path": "nomic-ai/nomic-embed-text-v1.5", "activation_function": "swiglu",
        "architectures": ["NomicBertModel"], "attn_pdrop": 0.0,
        "auto_map": {"AutoConfig": "nomic-ai/nomic-bert-2048--configuration_hf_nomic_bert.NomicBertConfig",
                     "AutoModel": "nomic-ai/nomic-bert-2048--modeling_hf_nomic_bert.NomicBertModel",
                     "AutoModelForMaskedLM": "nomic-ai/nomic-bert-2048--modeling_hf_nomic_bert.NomicBertForPreTraining"},
        "bos_token_id": None, "causal": False, "dense_seq_output": True, "embd_pdrop": 0.0, "eos_token_id": None,
        "fused_bias_fc": True, "fused_dropout_add_ln": True, "initializer_range": 0.02, "layer_norm_epsilon": cfg.layer_norm_eps,
        "max_trained_positions": 2048, "mlp_fc1_bias": False, "mlp_fc2_bias": False, "model_type": "nomic_bert",
        "n_embd": cfg.hidden_size, "n_head": cfg.num_attention_heads, "n_inner": cfg.intermediate_size,
        "n_layer": cfg.num_hidden_layers, "n_positions": 8192,
        "pad_vocab_size_multiple": 64, "parallel_block": False, "parallel_block_tied_norm": False, "prenorm": False,
        "qkv_proj_bias": False, "reorder_and_upcast_attn": False, "resid_pdrop": 0.0,
        "rotary_emb_base": int(cfg.rope_parameters["rope_theta"]),
        "rotary_emb_fraction": 1.0, "rotary_emb_interleaved": False, "rotary_emb_scale_base": None,
        "rotary_scaling_factor": None, "scale_attn_by_inverse_layer_idx": False, "scale_attn_weights": True,
        "summary_activation": None, "summary_first_dropout": 0.0, "summary_proj_to_labels": True,
        "summary_type": "cls_index", "summary_use_proj": True, "torch_dtype": "float32",
        "transformers_version": "4.37.2", "type_vocab_size": cfg.type_vocab_size, "use_cache": True, "use_flash_attn": True,
        "use_rms_norm": False, "use_xentropy": True, "vocab_size": cfg.vocab_size}


def hub_weights(state, layers=LAYERS):
    """transformers' NomicBertModel state dict under the remote code's names (its conversion mapping reversed)."""
    out = {"embeddings.word_embeddings.weight": state["embeddings.word_embeddings.weight"],
           "embeddings.token_type_embeddings.weight": state["embeddings.token_type_embeddings.weight"],
           "emb_ln.weight": state["embeddings.LayerNorm.weight"], "emb_ln.bias": state["embeddings.LayerNorm.bias"]}
    for l in range(layers):
        s, d = f"layers.{l}.", f"encoder.layers.{l}."
        out[d + "attn.Wqkv.weight"] = torch.cat([state[s + f"self_attn.{x}_proj.weight"] for x in "qkv"], 0)
        out[d + "attn.out_proj.weight"] = state[s + "self_attn.o_proj.weight"]
        out[d + "mlp.fc11.weight"] = state[s + "mlp.up_proj.weight"]
        out[d + "mlp.fc12.weight"] = state[s + "mlp.gate_proj.weight"]
        out[d + "mlp.fc2.weight"] = state[s + "mlp.down_proj.weight"]
        for ours, theirs in (("norm1", "post_attention_layernorm"), ("norm2", "post_mlp_layernorm")):
            out[d + ours + ".weight"] = state[s + theirs + ".weight"]
            out[d + ours + ".bias"] = state[s + theirs + ".bias"]
    return {k: v.contiguous() for k, v in out.items()}


def tokenizer(out):
    for name in ("tokenizer.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(os.path.join(MINILM, name), os.path.join(out, name))
    with open(os.path.join(MINILM, "tokenizer_config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["model_max_length"] = 8192
    cfg["name_or_path"] = "bert-base-uncased"
    with open(os.path.join(out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    torch.manual_seed(5)
    cfg = NomicBertConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                          intermediate_size=INNER, hidden_act="silu", max_position_embeddings=8192, type_vocab_size=2,
                          layer_norm_eps=1e-12, pad_token_id=0,
                          rope_parameters={"rope_type": "default", "rope_theta": 1000.0})
    model = NomicBertModel(cfg).eval()
    with torch.no_grad():
        for layer in model.layers:
            layer.self_attn.q_proj.weight.mul_(8)
            layer.self_attn.k_proj.weight.mul_(8)
    theirs = tempfile.mkdtemp()
    model.save_pretrained(theirs)
    tokenizer(theirs)
    word = models.Transformer(theirs, max_seq_length=8192)
    st_dir = tempfile.mkdtemp()
    SentenceTransformer(modules=[word, models.Pooling(HIDDEN, pooling_mode="mean"), models.Normalize()], device="cpu",
                        prompts=PROMPTS).save(st_dir)
    st = SentenceTransformer(st_dir, device="cpu")
    golden = standard_golden(st, "NomicBertModel")
    golden["prompts"] = prompt_cases(st)

    # The fixture: sentence-transformers' files in the Hub layout, the remote code's config and weight names.
    shutil.copytree(st_dir, OUT)
    hub_layout(OUT, pooling={"pooling_mode_mean_tokens": True}, max_seq_length=8192)
    for name in os.listdir(OUT):
        if name.endswith(".safetensors") or name == "config.json":
            os.remove(os.path.join(OUT, name))
    write_config(OUT, hub_config(cfg))
    weights = hub_weights(model.state_dict())
    save_file(weights, os.path.join(OUT, "model.safetensors"), metadata={"format": "pt"})

    # Check: transformers loads the Hub names through its conversion mapping to the same model.
    check = tempfile.mkdtemp()
    cfg.save_pretrained(check)
    save_file(weights, os.path.join(check, "model.safetensors"), metadata={"format": "pt"})
    reloaded = AutoModel.from_pretrained(check).eval()
    ids = torch.tensor([st.tokenize([TEXTS[1]])["input_ids"][0].tolist()])
    with torch.no_grad():
        diff = (reloaded(ids).last_hidden_state - model(ids).last_hidden_state).abs().max().item()
    assert diff == 0, f"Hub-layout weights load differently: {diff}"
    for d in (theirs, st_dir, check):
        shutil.rmtree(d)

    with open(os.path.join(OUT, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False)
    print(f"wrote {OUT}: {len(golden['cases'])} texts, longest {max(len(c['input_ids']) for c in golden['cases'])} tokens;"
          f" Hub-layout reload max |diff| {diff}")


if __name__ == "__main__":
    main()
