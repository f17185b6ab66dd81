#!/usr/bin/env python3
"""Bounded loopback load test of `embedkit serve`.

Starts the server on 127.0.0.1 (free port), sends a fixed number of /v1/embeddings requests (one text
each) at 1, 8 and 64 concurrent clients, each level stopping at its request count or its time limit,
whichever comes first, then stops the server. Reports requests/s, tokens/s and p50/p99 latency per level
and the ratio of the server's tokens/s to offline throughput on the same texts: `embedkit bench` (batch
size 32, measured before and after the levels, the mean used) if it prints a tokens/s figure, else
`embedkit embed` wall time on the texts minus its time for one text (i.e. without model loading).
Also per level: inputs per forward pass (from /metrics) and the CPU seconds of the server and of this
client. The client is a minimal asyncio HTTP/1.1 keep-alive client, so that it takes little of the CPU
it shares with the server (httpx used about half of a 2-core machine at 64 clients).

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


def process_cpu_seconds(pid):
    """utime + stime of a process (Linux /proc), or None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def scrape(base):
    """(forward passes, inputs) so far, from /metrics."""
    text = httpx.get(base + "/metrics", timeout=10).text
    passes = re.search(r"^embedkit_batch_tokens_count (\S+)", text, re.M)
    inputs = re.search(r"^embedkit_inputs_total (\S+)", text, re.M)
    return (float(passes.group(1)) if passes else 0.0, float(inputs.group(1)) if inputs else 0.0)


def measured_level(server, texts, concurrency, requests, time_limit):
    """run_level plus CPU seconds of the server and of this client, and inputs per forward pass."""
    passes0, inputs0 = scrape(server.base)
    server0 = process_cpu_seconds(server.proc.pid)
    client0 = time.process_time()
    row = asyncio.run(run_level(server.base, texts, concurrency, requests, time_limit))
    row["client_cpu_s"] = time.process_time() - client0
    server1 = process_cpu_seconds(server.proc.pid)
    row["server_cpu_s"] = server1 - server0 if server0 is not None and server1 is not None else float("nan")
    passes1, inputs1 = scrape(server.base)
    row["inputs_per_pass"] = (inputs1 - inputs0) / max(passes1 - passes0, 1)
    return row


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams. httpx spends milliseconds of CPU per
    request at high concurrency; on a 2-core machine that CPU is taken from the server under test."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def post_json(self, path, payload):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        body = json.dumps(payload).encode()
        self.writer.write(b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n" % (path.encode(), self.host.encode(), len(body)) + body)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:] if l)}
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        else:  # chunked
            data = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                data += chunk[:-2]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, data

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


async def run_level(base, texts, concurrency, requests, time_limit):
    latencies, tokens, errors = [], 0, 0
    next_index = 0
    deadline = time.perf_counter() + time_limit
    host, port = base.split("://", 1)[1].rsplit(":", 1)
    usage = re.compile(rb'"prompt_tokens":(\d+)')

    async def worker():
        nonlocal next_index, tokens, errors
        conn = Connection(host, int(port))
        try:
            while next_index < requests and time.perf_counter() < deadline:
                text = texts[next_index % len(texts)]
                next_index += 1
                t0 = time.perf_counter()
                status, data = await conn.post_json("/v1/embeddings", {"input": text, "model": "m"})
                dt = time.perf_counter() - t0
                m = usage.search(data)
                if status == 200 and m and data.startswith(b"{") and data.endswith(b"}"):
                    latencies.append(dt)
                    tokens += int(m.group(1))
                else:
                    errors += 1
        finally:
            conn.close()

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


def bench_tokens_per_s(binary, model, texts, batch_size):
    """`embedkit bench` tokens/s on `texts` at `batch_size`, or None."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.writelines(json.dumps(t) + "\n" for t in texts)
    r = subprocess.run([binary, "bench", "--model", model, "--input", f.name, "--batch-size", str(batch_size)],
                       capture_output=True, text=True)
    os.unlink(f.name)
    try:
        return float(json.loads(r.stdout.strip().splitlines()[-1])["tokens_per_s"]) if r.returncode == 0 else None
    except (ValueError, KeyError, IndexError):
        return None


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
        # Offline throughput before and after the levels (the mean is the reference): shared machines drift.
        offline_before, how = offline_tokens_per_s(binary, args.model, texts[:args.requests], server.base)
        rows = [measured_level(server, texts, int(c), args.requests, args.time_limit)
                for c in args.levels.split(",")]
        offline_after, _ = offline_tokens_per_s(binary, args.model, texts[:args.requests], server.base)
    offline = (offline_before + offline_after) / 2
    single = bench_tokens_per_s(binary, args.model, texts[:args.requests], 1)

    print(f"model: {args.model}\noffline: {offline:,.0f} tokens/s ({how}; mean of {offline_before:,.0f} before "
          f"and {offline_after:,.0f} after the levels)")
    if single:
        print(f"offline, one text per forward pass (embedkit bench --batch-size 1): {single:,.0f} tokens/s "
              f"({single / offline:.2f} of batched; the ceiling for one sequential client)")
    print("| clients | requests | errors | req/s | tokens/s | p50 ms | p99 ms | server/offline | inputs/pass | server CPU s | client CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['concurrency']} | {r['requests']} | {r['errors']} | {r['req_per_s']:.1f} | {r['tokens_per_s']:,.0f} | "
              f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['tokens_per_s'] / offline:.2f} | {r['inputs_per_pass']:.1f} | "
              f"{r['server_cpu_s']:.2f} | {r['client_cpu_s']:.2f} |")
    return 0 if all(r["errors"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
