#!/usr/bin/env python3
"""Drives `embedkit serve` with the official `openai` package (scripts/requirements.txt) and checks the
results against `embedkit embed` on the same texts (max abs difference <= 1e-5), the base64 format,
`dimensions` (truncate, then re-normalize), token-id input, the API key, and error handling.

Starts the server itself on 127.0.0.1 with a free port and stops it (SIGTERM) at the end.

    pip install -r scripts/requirements.txt
    swift build -c release --product embedkit
    python3 scripts/openai_client_test.py [--model Tests/Fixtures/dmeta-tiny] [--embedkit PATH]
"""
import argparse
import base64
import os
import struct
import sys

import httpx
import openai
from openai import OpenAI

from serve_util import REPO, Server, embedkit_binary, offline_embeddings

TEXTS = [
    "How is the weather today?",
    "今天天气怎么样?",
    "Café naïve résumé façade — déjà vu!",
    "I love pizza 🍕🔥 and sushi 🍣!",
    "A girl is playing guitar.",
    "该市曾申请联邦资金，但当美国运通承诺至少300万美元时，该市撤回了这一请求。",
]
TOL = 1e-5
API_KEY = "test-key-123"


def max_abs(a, b):
    assert len(a) == len(b), f"dimension {len(a)} != {len(b)}"
    return max(abs(x - y) for x, y in zip(a, b))


def f32(v):
    """JSON floats are decimal; the server prints the shortest decimal that reads back as the same float32."""
    return list(struct.unpack(f"<{len(v)}f", struct.pack(f"<{len(v)}f", *v)))


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        check.failures += 1


check.failures = 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(REPO, "Tests", "Fixtures", "dmeta-tiny"))
    ap.add_argument("--embedkit", default=None)
    args = ap.parse_args()
    binary = args.embedkit or embedkit_binary()
    print(f"openai {openai.__version__}, model {args.model}")

    reference = offline_embeddings(binary, args.model, TEXTS)
    dim = len(reference[0])

    with Server(binary, args.model, api_key=API_KEY) as server:
        server.wait_healthy()
        client = OpenAI(base_url=server.base + "/v1", api_key=API_KEY, max_retries=0, timeout=60)

        r = client.embeddings.create(model="embedkit", input=TEXTS, encoding_format="float")
        got = [d.embedding for d in sorted(r.data, key=lambda d: d.index)]
        diff = max(max_abs(g, e) for g, e in zip(got, reference))
        check(len(got) == len(TEXTS) and diff <= TOL, f"float vectors equal `embedkit embed` (max abs diff {diff:.2e})")
        check(r.usage.prompt_tokens > 0 and r.usage.total_tokens == r.usage.prompt_tokens, "usage counts tokens")

        # The openai client asks for base64 by default and decodes it itself (numpy if present).
        r64 = client.embeddings.create(model="embedkit", input=TEXTS)
        got64 = [list(map(float, d.embedding)) for d in sorted(r64.data, key=lambda d: d.index)]
        check(got64 == [f32(v) for v in got], "default (base64) response decodes to the very same float32 values")

        # Raw base64: little-endian float32.
        raw = client.embeddings.with_raw_response.create(model="embedkit", input=TEXTS[:2], encoding_format="base64")
        payload = raw.http_response.json()
        b = base64.b64decode(payload["data"][0]["embedding"])
        decoded = list(struct.unpack(f"<{len(b) // 4}f", b))
        check(decoded == f32(got[0]), "raw base64 is little-endian float32 of the float output")

        k = max(1, dim // 3)
        rd = client.embeddings.create(model="embedkit", input=TEXTS, dimensions=k, encoding_format="float")
        ok = True
        for d, full in zip(sorted(rd.data, key=lambda d: d.index), reference):
            prefix = full[:k]
            norm = sum(x * x for x in prefix) ** 0.5
            ok &= len(d.embedding) == k and max_abs(d.embedding, [x / norm for x in prefix]) <= TOL
        check(ok, f"dimensions={k}: first {k} values, re-normalized")

        tok = httpx.post(server.base + "/tokenize", json={"inputs": TEXTS[0]},
                         headers={"Authorization": f"Bearer {API_KEY}"}).json()
        ids = [t["id"] for t in tok[0]]
        rid = client.embeddings.create(model="embedkit", input=ids, encoding_format="float")
        check(max_abs(rid.data[0].embedding, reference[0]) <= TOL, "token-id input gives the text's vector")

        bad = OpenAI(base_url=server.base + "/v1", api_key="wrong", max_retries=0)
        try:
            bad.embeddings.create(model="embedkit", input="x")
            check(False, "wrong API key is refused")
        except openai.AuthenticationError as e:
            check(e.status_code == 401, "wrong API key -> openai.AuthenticationError (401)")

        try:
            client.embeddings.create(model="embedkit", input=[])
            check(False, "empty input is refused")
        except openai.BadRequestError as e:
            check(e.status_code == 400 and "empty" in str(e), "empty input -> openai.BadRequestError (400) with a message")

        try:
            client.embeddings.create(model="embedkit", input="x", dimensions=dim + 1)
            check(False, "too many dimensions refused")
        except openai.BadRequestError:
            check(True, "dimensions > model dimension -> 400")

        r = client.embeddings.create(model="embedkit", input="still serving", encoding_format="float")
        check(len(r.data[0].embedding) == dim, "server still serves after the errors")
        code = server.stop()
        check(code == 0, f"SIGTERM stops the server cleanly (exit {code})")

    print("FAILED" if check.failures else "all checks passed", f"({check.failures} failures)")
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
