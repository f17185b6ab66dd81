#!/usr/bin/env python3
"""A burst of heavy requests against `embedkit serve --max-memory`: the memory budget must win.

Starts the server on loopback with --max-memory and a --max-batch-tokens far above what the budget
allows, sends CLIENTS concurrent /embed requests of INPUTS texts of ~TOKENS tokens each, and checks:
every request is answered 200, 429 or 503 (no reset, no crash); the server's own resident high-water
mark (VmHWM of its /proc status) stays within the budget; a 200's vectors equal `embedkit embed`'s;
a normal request right after succeeds. Prints a JSON report.

usage: memory_burst.py --model DIR --max-memory 1GB [--clients 32] [--inputs 2] [--tokens 8000]
                       [--max-batch-tokens 1000000] [--threads 2] [--precision fp32] [--embedkit PATH]
Only 127.0.0.1 is contacted.
"""
import argparse
import concurrent.futures as futures
import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import Server, embedkit_binary, offline_embeddings  # noqa: E402

UNITS = {"": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "k": 1024, "m": 1024**2, "g": 1024**3,
         "ki": 1024, "mi": 1024**2, "gi": 1024**3, "kib": 1024, "mib": 1024**2, "gib": 1024**3}


def parse_size(text):
    digits = text.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ")
    return int(float(digits) * UNITS[text[len(digits):].strip().lower()])


def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    return None


def post(port, path, body, timeout=900):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        start = time.time()
        conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        return r.status, r.getheader("Retry-After"), data, time.time() - start
    finally:
        conn.close()


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def text_of(port, tokens, seed):
    """A text of about `tokens` tokens (counted with the server's /tokenize), different per seed."""
    words = ["river", "stone", "light", "green", "quiet", "north", "market", "garden", "winter", "paper"]
    make = lambda n: " ".join(words[(seed * 7 + i * 3 + i // 10) % len(words)] for i in range(n))
    status, _, data, _ = post(port, "/tokenize", {"inputs": make(200), "add_special_tokens": True})
    assert status == 200, data
    per_word = (len(json.loads(data)[0]) - 2) / 200
    return make(max(1, int((tokens - 2) / per_word)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--max-memory", required=True)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--inputs", type=int, default=2)
    ap.add_argument("--tokens", type=int, default=8000)
    ap.add_argument("--max-batch-tokens", type=int, default=1_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precision", default="fp32")
    ap.add_argument("--embedkit", default=None)
    ap.add_argument("--log", default=None, help="write the server's log here")
    a = ap.parse_args()
    binary = a.embedkit or embedkit_binary()
    limit = parse_size(a.max_memory)
    extra = ["--max-memory", a.max_memory, "--max-batch-tokens", str(a.max_batch_tokens), "--threads", str(a.threads),
             "--precision", a.precision]
    report = {"max_memory_bytes": limit, "clients": a.clients, "inputs_per_request": a.inputs, "tokens_per_input": a.tokens,
              "max_batch_tokens_asked": a.max_batch_tokens, "precision": a.precision}
    with Server(binary, a.model, extra, log_path=a.log) as server:
        server.wait_healthy()
        pid = server.proc.pid
        info = json.loads(get(server.port, "/info")[1])
        report["max_batch_tokens_used"] = info["max_batch_tokens"]
        report["baseline_rss_bytes"] = proc_status(pid, "VmRSS:")
        texts = [[text_of(server.port, a.tokens, c * a.inputs + i) for i in range(a.inputs)] for c in range(a.clients)]
        report["tokens_needed_unbatched"] = a.clients * a.inputs * a.tokens

        start = time.time()
        results = []
        with futures.ThreadPoolExecutor(a.clients) as pool:
            jobs = [pool.submit(post, server.port, "/embed", {"inputs": t, "truncate": True, "normalize": False}) for t in texts]
            peak_seen = 0
            while not all(j.done() for j in jobs):
                peak_seen = max(peak_seen, proc_status(pid, "VmRSS:") or 0)
                time.sleep(0.05)
            for j in jobs:
                try:
                    results.append(j.result())
                except Exception as e:  # a reset or a timeout: a failure of the budget
                    results.append((None, None, repr(e).encode(), 0))
        report["seconds"] = time.time() - start
        statuses = [r[0] for r in results]
        report["statuses"] = {str(s): statuses.count(s) for s in sorted(set(statuses), key=str)}
        ok = [r for r in results if r[0] == 200]
        lat = sorted(r[3] for r in ok)
        if lat:
            report["latency_p50_s"] = lat[len(lat) // 2]
            report["latency_max_s"] = lat[-1]
        report["retry_after_on_every_503_429"] = all(r[1] for r in results if r[0] in (429, 503))
        report["peak_rss_sampled_bytes"] = peak_seen
        report["peak_rss_vmhwm_bytes"] = proc_status(pid, "VmHWM:")

        # A normal request right after the burst.
        status, _, data, _ = post(server.port, "/embed", {"inputs": ["A man is eating food."], "normalize": False})
        report["normal_request_after"] = status
        after = json.loads(data) if status == 200 else None
        alive = server.proc.poll() is None
    # The vectors of one answered burst request, and of the normal request, against offline embed.
    checks = [(["A man is eating food."], after)]
    if ok:
        i = statuses.index(200)
        checks.append((texts[i], json.loads(ok[0][2])))
    worst = 0.0
    for inputs, got in checks:
        if got is None:
            continue
        want = offline_embeddings(binary, a.model, inputs) if a.precision == "fp32" else got
        worst = max([worst] + [abs(x - y) for v, w in zip(got, want) for x, y in zip(v, w)])
    report["worst_abs_diff_vs_embed"] = worst

    failures = []
    if any(s not in (200, 429, 503) for s in statuses):
        failures.append(f"statuses other than 200/429/503: {report['statuses']}")
    if not report["retry_after_on_every_503_429"]:
        failures.append("a 429/503 without Retry-After")
    if report["peak_rss_vmhwm_bytes"] > limit:
        failures.append(f"peak RSS {report['peak_rss_vmhwm_bytes']} above --max-memory {limit}")
    if report["normal_request_after"] != 200 or not alive:
        failures.append("the server did not answer a normal request after the burst")
    if report["max_batch_tokens_used"] >= a.max_batch_tokens:
        failures.append("--max-batch-tokens was not lowered by the budget")
    if worst > 1e-5:
        failures.append(f"vectors differ from embedkit embed by {worst}")
    if not ok:
        failures.append("no request of the burst succeeded")
    report["passed"] = not failures
    print(json.dumps(report, indent=1))
    if failures:
        sys.exit("memory burst FAILED: " + "; ".join(failures))


if __name__ == "__main__":
    main()
