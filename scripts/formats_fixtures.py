#!/usr/bin/env python3
"""Writes the small weight-file fixtures of FormatsTests into Tests/Fixtures/formats/.

Pinned: pip install "torch==2.13.0+cpu" (CPU wheel; never an unpinned torch).
Run from the repository root:  python3 scripts/formats_fixtures.py
Then regenerate the reference values:  python3 scripts/formats_reference.py
"""
import collections
import io
import os
import zipfile

import torch

assert torch.__version__ == "2.13.0+cpu", torch.__version__

OUT = os.path.join("Tests", "Fixtures", "formats")


def views_state_dict():
    """A state_dict exercising what _rebuild_tensor_v2 can describe: shared storages, offsets,
    transposed / strided / broadcast views, fp16, bf16, a Parameter, an int64 buffer, empty and
    0-dim tensors, and the `_metadata` attribute (BUILD) of a module's state_dict."""
    g = torch.Generator().manual_seed(1234)
    base = torch.randn(4, 6, generator=g)
    sd = collections.OrderedDict()
    sd["base"] = base
    sd["base_t"] = base.t()                 # stride (1, 6)
    sd["row"] = base[2]                     # offset 12, contiguous
    sd["col"] = base[:, 3]                  # offset 3, stride (6,)
    sd["block"] = base[1:3, 2:5]            # offset 8, stride (6, 1)
    sd["expanded"] = torch.tensor([1.0, -2.5, 3.25]).expand(2, 3)  # stride (0, 1)
    sd["half"] = torch.randn(2, 3, generator=g).half()
    sd["bf16"] = torch.randn(3, generator=g).bfloat16()
    sd["param"] = torch.nn.Parameter(torch.tensor([0.5, -0.75]))   # _rebuild_parameter
    sd["position_ids"] = torch.arange(5).unsqueeze(0)                # LongStorage: skipped
    sd["empty"] = torch.zeros(0, 4)
    sd["scalar"] = torch.tensor(3.5)
    sd._metadata = collections.OrderedDict({"": {"version": 1}, "encoder": {"version": 1}})
    return sd


def entry(name):
    """A zip entry with a fixed date, so that regenerating gives the same bytes."""
    return zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))


def rewrite(src, dst, change):
    """Copies zip `src` to `dst`, passing each (name, bytes) through `change` (None drops it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(entry(info.filename), data)


def torch_layout_zip(dst, pickle_bytes):
    """A zip laid out like torch.save's, whose data.pkl is `pickle_bytes` (hand-written)."""
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as z:
        z.writestr(entry("archive/data.pkl"), pickle_bytes)
        z.writestr(entry("archive/byteorder"), "little")
        z.writestr(entry("archive/version"), "3\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    views = os.path.join(OUT, "views.bin")
    torch.save(views_state_dict(), views)
    # The same state_dict with pickle protocol 4 (FRAME, MEMOIZE, SHORT_BINUNICODE, STACK_GLOBAL).
    torch.save(views_state_dict(), os.path.join(OUT, "views_protocol4.bin"), pickle_protocol=4)

    # Legacy (torch < 1.6) non-zip serialization: must be recognised and refused.
    torch.save({"w": torch.ones(2)}, os.path.join(OUT, "legacy.bin"), _use_new_zipfile_serialization=False)

    # `os.system('true')` via GLOBAL + REDUCE: must be refused before anything runs.
    torch_layout_zip(os.path.join(OUT, "evil_os_system.bin"),
                     b"\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00true\x85R.")

    # Storage record 4 bytes shorter than the pickle says (zip itself is consistent).
    rewrite(views, os.path.join(OUT, "wrong_storage_size.bin"),
            lambda n, d: d[:-4] if n.endswith("/data/0") else d)

    # Declared big-endian.
    rewrite(views, os.path.join(OUT, "big_endian.bin"),
            lambda n, d: b"big" if n.endswith("/byteorder") else d)

    # Storage record missing.
    rewrite(views, os.path.join(OUT, "missing_storage.bin"),
            lambda n, d: None if n.endswith("/data/0") else d)

    # A TorchScript archive (also has data.pkl, plus constants.pkl and code/): refused by name.
    torch.manual_seed(0)
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), os.path.join(OUT, "torchscript.bin"))

    # Bare data.pkl records, for byte-level truncation / mutation tests.
    for src, name in [(os.path.join("Tests", "Fixtures", "zpoint-tiny", "2_Dense", "pytorch_model.bin"), "dense_data.pkl"),
                      (views, "views_data.pkl"),
                      (os.path.join(OUT, "views_protocol4.bin"), "views_protocol4_data.pkl")]:
        with zipfile.ZipFile(src) as z:
            pkl = [n for n in z.namelist() if n.endswith("/data.pkl")][0]
            with open(os.path.join(OUT, name), "wb") as f:
                f.write(z.read(pkl))
        if name.startswith("views"):
            sizes = {n.rsplit("/", 1)[1]: z.getinfo(n).file_size for n in z.namelist() if "/data/" in n}
            print(name, "storage sizes", sizes)


if __name__ == "__main__":
    main()
