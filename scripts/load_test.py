#!/usr/bin/env python3
"""Bounded loopback load test of `embedkit serve`.

Starts the server on 127.0.0.1 (free port), sends a fixed number of /v1/embeddings requests (one text
each) at 1, 8 and 64 concurrent clients, each level stopping at its request count or its time limit,
whichever comes first, then stops the server. Reports requests/s, tokens/s and p50/p99 latency per level
and the ratio of the server's tokens/s to offline throughput on the same texts: `embedkit bench` if it
prints a tokens/s figure, else `embedkit embed` wall time on the texts minus its time for one text
(i.e. without model loading).

    python3 scripts/load_test.py [--model DIR] [--requests 400] [--time-limit 60] [--markdown]
Never contacts anything but 127.0.0.1.
"""
import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

from serve_util import REPO, Server, embedkit_binary

WORDS = ("the quick brown fox jumps over a lazy dog while embedding models turn sentences into vectors "
         "for search ranking clustering and retrieval across many languages with long and short inputs "
         "server batching queue latency throughput token budget").split()


def make_texts(n, seed=1234):
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 60))) for _ in range(n)]


async def run_level(base, texts, concurrency, requests, time_limit):
    latencies, tokens, errors = [], 0, 0
    next_index = 0
    deadline = time.perf_counter() + time_limit
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        async def worker():
            nonlocal next_index, tokens, errors
            while next_index < requests and time.perf_counter() < deadline:
                text = texts[next_index % len(texts)]
                next_index += 1
                t0 = time.perf_counter()
                r = await client.post("/v1/embeddings", json={"input": text, "model": "m"})
                dt = time.perf_counter() - t0
                if r.status_code == 200:
                    latencies.append(dt)
                    tokens += r.json()["usage"]["prompt_tokens"]
                else:
                    errors += 1
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")
    return {
        "concurrency": concurrency, "requests": len(latencies), "errors": errors, "seconds": elapsed,
        "req_per_s": len(latencies) / elapsed, "tokens_per_s": tokens / elapsed,
        "p50_ms": q(0.50) * 1000, "p99_ms": q(0.99) * 1000,
    }


def offline_tokens_per_s(binary, model, texts, base):
    """(tokens/s, how) for offline encoding of `texts`."""
    bench = subprocess.run([binary, "bench", "--help"], capture_output=True, text=True)
    if bench.returncode == 0 and "not implemented" not in (bench.stdout + bench.stderr):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.writelines(json.dumps(t) + "\n" for t in texts)
        r = subprocess.run([binary, "bench", "--model", model, "--input", f.name], capture_output=True, text=True)
        os.unlink(f.name)
        if r.returncode == 0:
            try:
                doc = json.loads(r.stdout.strip().splitlines()[-1])
                return float(doc["tokens_per_s"]), "embedkit bench (batch size 32)"
            except (ValueError, KeyError, IndexError):
                m = re.search(r"([\d.,]+)\s*tokens/s", r.stdout + r.stderr)
                if m:
                    return float(m.group(1).replace(",", "")), "embedkit bench"
    # Fallback: embedkit embed wall time on all texts minus the time for one text (model load).
    n_tokens = sum(len(t[0]) for t in httpx.post(base + "/tokenize", json={"inputs": texts}, timeout=120).json())

    def timed(items):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.writelines(json.dumps(t) + "\n" for t in items)
        t0 = time.perf_counter()
        subprocess.run([binary, "embed", "--model", model, "--input", f.name], check=True, capture_output=True)
        dt = time.perf_counter() - t0
        os.unlink(f.name)
        return dt

    one = min(timed(texts[:1]) for _ in range(2))
    full = min(timed(texts) for _ in range(2))
    return n_tokens / max(full - one, 1e-9), "embedkit embed wall time minus its one-text time (bench unavailable)"


def main():
    ap = argparse.ArgumentParser()
    shared = os.path.join(os.path.dirname(REPO), "shared", "fixtures", "all-MiniLM-L6-v2")
    if not os.path.isdir(shared):
        shared = "/work/shared/fixtures/all-MiniLM-L6-v2"
    ap.add_argument("--model", default=shared if os.path.isdir(shared) else os.path.join(REPO, "Tests/Fixtures/dmeta-tiny"))
    ap.add_argument("--embedkit", default=None)
    ap.add_argument("--requests", type=int, default=400, help="requests per concurrency level")
    ap.add_argument("--time-limit", type=float, default=60, help="seconds per level")
    ap.add_argument("--levels", default="1,8,64")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    binary = args.embedkit or embedkit_binary()
    texts = make_texts(max(args.requests, 64))

    with Server(binary, args.model, log_path=os.path.join(tempfile.gettempdir(), "embedkit_load_test_server.log")) as server:
        server.wait_healthy()
        asyncio.run(run_level(server.base, texts[:16], 4, 16, 30))  # warm-up
        rows = [asyncio.run(run_level(server.base, texts, int(c), args.requests, args.time_limit))
                for c in args.levels.split(",")]
        offline, how = offline_tokens_per_s(binary, args.model, texts[:args.requests], server.base)

    print(f"model: {args.model}\noffline: {offline:,.0f} tokens/s ({how})")
    print("| clients | requests | errors | req/s | tokens/s | p50 ms | p99 ms | server/offline |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['concurrency']} | {r['requests']} | {r['errors']} | {r['req_per_s']:.1f} | {r['tokens_per_s']:,.0f} | "
              f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['tokens_per_s'] / offline:.2f} |")
    return 0 if all(r["errors"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
