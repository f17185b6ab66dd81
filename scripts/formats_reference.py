#!/usr/bin/env python3
"""Reference values for FormatsTests: Tests/Fixtures/formats/reference.json.

For every tensor of the fixture weight files: dtype, shape, a few values at fixed flat indices,
and the float64 sums of the values and of their absolute values (fp16/bf16 widened exactly).
The small tensors of formats/views.bin are listed in full.

Pinned: pip install "torch==2.13.0+cpu" "safetensors==0.4.5" "numpy==1.26.4"
Run from the repository root:  python3 scripts/formats_reference.py
"""
import json
import os

import numpy as np
import safetensors
import torch
from safetensors.numpy import load_file

assert torch.__version__ == "2.13.0+cpu", torch.__version__
assert safetensors.__version__ == "0.4.5", safetensors.__version__
assert np.__version__ == "1.26.4", np.__version__

FIX = os.path.join("Tests", "Fixtures")
PYTORCH = ["dmeta-tiny/pytorch_model.bin", "zpoint-tiny/pytorch_model.bin",
           "zpoint-tiny/2_Dense/pytorch_model.bin", "formats/views.bin"]
SAFETENSORS = ["jina-v2-tiny-en/model.safetensors", "jina-v2-tiny-zh/model.safetensors",
               "jina-v2-tiny-de/model.safetensors"]
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
          np.dtype("float32"): "F32", np.dtype("float16"): "F16"}


def describe(dtype, shape, values, full):
    """values: flat float64 numpy array (row-major)."""
    n = values.size
    entry = {"dtype": dtype, "shape": list(shape),
             "sum": float(values.sum()), "sumAbs": float(np.abs(values).sum())}
    idx = sorted({i for i in (0, 1, n // 3, n // 2, n - 1) if 0 <= i < n})
    entry["samples"] = [[i, float(values[i])] for i in idx]
    if full:
        entry["values"] = [float(v) for v in values]
    return entry


def main():
    out = {"generator": "scripts/formats_reference.py (torch 2.13.0+cpu, safetensors 0.4.5, numpy 1.26.4)",
           "files": {}}
    for rel in PYTORCH:
        sd = torch.load(os.path.join(FIX, rel), map_location="cpu", weights_only=True)
        tensors, skipped = {}, []
        for name, t in sd.items():
            if t.dtype not in DTYPES:
                skipped.append(name)
                continue
            v = t.detach().to(torch.float64).contiguous().reshape(-1).numpy()
            tensors[name] = describe(DTYPES[t.dtype], t.shape, v, rel.startswith("formats/"))
        out["files"][rel] = {"tensors": tensors, "skipped": sorted(skipped)}
    for rel in SAFETENSORS:
        arrays = load_file(os.path.join(FIX, rel))
        tensors, skipped = {}, []
        for name, a in arrays.items():
            if a.dtype not in DTYPES:
                skipped.append(name)
                continue
            tensors[name] = describe(DTYPES[a.dtype], a.shape, a.astype(np.float64).reshape(-1), False)
        out["files"][rel] = {"tensors": tensors, "skipped": sorted(skipped)}
    path = os.path.join(FIX, "formats", "reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=None, sort_keys=True, separators=(",", ":"))
        f.write("\n")
    for rel, v in out["files"].items():
        print(rel, len(v["tensors"]), "tensors, skipped:", v["skipped"])


if __name__ == "__main__":
    main()
