#!/usr/bin/env python3
"""Fault soak of `embedkit serve`, loopback only, bounded in time and requests; stops by itself.

For --seconds, --workers threads mix: valid /embed and /v1/embeddings requests of 1-8 texts of all
lengths (each vector compared with offline `embedkit embed`), clients that vanish mid-body and
mid-response, slow clients, oversized and malformed bodies, concurrent /tokenize and /metrics scrapes.
Then SIGTERM while a wave of valid requests is in flight. Checks: every accepted valid request got
exactly one answer (lost = 0) and the right vectors (wrong = 0); the faults got their 4xx or a closed
connection and the server kept serving; resident memory after warm-up does not grow (reported as
drift); every request in flight at SIGTERM was answered 200 and the server exited 0. Prints a JSON
report.

usage: fault_soak.py [--model DIR] [--seconds 60] [--workers 8] [--max-requests 100000] [--embedkit PATH]
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import HOST, REPO, Server, embedkit_binary, offline_embeddings  # noqa: E402

WORDS = ("river stone light green quiet north market garden winter paper 北京 天气 café naïve "
         "über straße 🍕 the a of and to in is was").split()


def corpus(n, seed=3):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        length = rng.choice([1, 3, 8, 20, 60, 200, 600])
        out.append(" ".join(rng.choice(WORDS) for _ in range(length)) + f" #{i}")
    return out


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.latencies = []
        self.lost = []
        self.wrong = []

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + n


def valid_request(port, texts, refs, rng, stats):
    k = rng.randint(1, 8)
    idx = [rng.randrange(len(texts)) for _ in range(k)]
    route = rng.choice(["/embed", "/v1/embeddings"])
    body = {"inputs": [texts[i] for i in idx], "truncate": True} if route == "/embed" else \
        {"input": [texts[i] for i in idx], "model": "any"}
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    start = time.time()
    try:
        conn.request("POST", route, body=json.dumps(body), headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
    except Exception as e:  # accepted (sent) but not answered
        stats.lost.append(f"{route}: {e!r}")
        return
    finally:
        conn.close()
    stats.latencies.append(time.time() - start)
    stats.add(f"valid {r.status}")
    if r.status == 429:
        return
    if r.status != 200:
        stats.wrong.append(f"{route}: status {r.status} {data[:200]!r}")
        return
    doc = json.loads(data)
    vectors = doc if route == "/embed" else [d["embedding"] for d in sorted(doc["data"], key=lambda d: d["index"])]
    if len(vectors) != k:
        stats.wrong.append(f"{route}: {len(vectors)} vectors for {k} inputs")
        return
    for v, i in zip(vectors, idx):
        if max(abs(x - y) for x, y in zip(v, refs[i])) > 1e-5:
            stats.wrong.append(f"{route}: input {i} differs from embedkit embed")
            return


def raw(port, payload, read=True, timeout=10):
    s = socket.create_connection((HOST, port), timeout=timeout)
    try:
        s.sendall(payload)
        if not read:
            return b""
        chunks = []
        while True:
            try:
                c = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not c:
                break
            chunks.append(c)
        return b"".join(chunks)
    finally:
        s.close()


def status_of(response):
    try:
        return int(response.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def fault(kind, port, texts, rng, stats):
    if kind == "vanish mid-body":
        body = json.dumps({"inputs": texts[:4]}).encode()
        raw(port, b"POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
            + body[: len(body) // 2], read=False)
        stats.add(kind)
    elif kind == "vanish mid-response":
        body = json.dumps({"inputs": [texts[i % len(texts)] for i in range(64)], "truncate": True}).encode()
        s = socket.create_connection((HOST, port), timeout=30)
        s.sendall(b"POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        try:
            s.recv(16)
        except OSError:
            pass
        s.close()
        stats.add(kind)
    elif kind == "slow client":
        s = socket.create_connection((HOST, port), timeout=15)
        try:
            s.sendall(b"POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
            time.sleep(3.5)  # past --read-timeout 2
            data = s.recv(4096)
            stats.add(f"{kind} {status_of(data) or 'closed'}")
        except OSError:
            stats.add(f"{kind} closed")
        finally:
            s.close()
    elif kind == "oversized":
        r = raw(port, b"POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\nConnection: close\r\n\r\n{}")
        stats.add(f"{kind} {status_of(r)}")
    elif kind == "malformed":
        payload = rng.choice([b"{\"inputs\": [", b"\xff\xfe\x00garbage", b"{\"inputs\": 42}", b"{\"inputs\": [[]]}",
                              b"{\"input\": [[999999999]]}"])
        path = b"/v1/embeddings" if b"input\"" in payload else b"/embed"
        r = raw(port, b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
        stats.add(f"{kind} {status_of(r)}")
    elif kind == "tokenize":
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        conn.request("POST", "/tokenize", body=json.dumps({"inputs": [rng.choice(texts)]}), headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        conn.close()
        stats.add(f"{kind} {r.status}")
    elif kind == "metrics":
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        r.read()
        conn.close()
        stats.add(f"{kind} {r.status}")


FAULTS = ["vanish mid-body", "vanish mid-response", "slow client", "oversized", "malformed", "tokenize", "metrics"]
EXPECTED = {"oversized": {413}, "malformed": {400}, "tokenize": {200}, "metrics": {200}, "slow client": {408}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(REPO, "Tests", "Fixtures", "dmeta-tiny"))
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--max-requests", type=int, default=100_000)
    ap.add_argument("--embedkit", default=None)
    a = ap.parse_args()
    binary = a.embedkit or embedkit_binary()
    texts = corpus(300)
    refs = offline_embeddings(binary, a.model, texts)
    stats = Stats()
    extra = ["--read-timeout", "2", "--idle-timeout", "5", "--max-concurrent-requests", "64", "--threads", "2"]
    server = Server(binary, a.model, extra)
    server.wait_healthy()
    pid = server.proc.pid
    deadline = time.time() + a.seconds
    warm_at = time.time() + a.seconds * 0.2
    samples = []
    sent = [0]
    sent_lock = threading.Lock()

    def worker(n):
        rng = random.Random(n)
        while time.time() < deadline:
            with sent_lock:
                if sent[0] >= a.max_requests:
                    return
                sent[0] += 1
            if rng.random() < 0.7:
                valid_request(server.port, texts, refs, rng, stats)
            else:
                try:
                    fault(rng.choice(FAULTS), server.port, texts, rng, stats)
                except OSError as e:
                    stats.add(f"fault client error {type(e).__name__}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(a.workers)]
    for t in threads:
        t.start()
    warm = None
    while any(t.is_alive() for t in threads):
        now = time.time()
        if warm is None and now >= warm_at:
            warm = rss(pid)
        samples.append(rss(pid))
        time.sleep(0.5)
    for t in threads:
        t.join()
    end_rss = rss(pid)

    # SIGTERM while a wave of valid requests is in flight: all must be answered, the exit clean.
    wave = Stats()
    wave_threads = [threading.Thread(target=valid_request, args=(server.port, texts, refs, random.Random(1000 + i), wave))
                    for i in range(16)]
    for t in wave_threads:
        t.start()
    time.sleep(0.05)
    server.proc.send_signal(signal.SIGTERM)
    for t in wave_threads:
        t.join()
    try:
        code = server.proc.wait(timeout=60)
    except Exception:
        server.proc.kill()
        code = "killed after 60 s"
    server.log.close()

    lat = sorted(stats.latencies)
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else None
    valid = sum(v for k, v in stats.counts.items() if k.startswith("valid"))
    report = {
        "seconds": a.seconds, "workers": a.workers, "requests": sent[0], "valid_requests": valid,
        "counts": dict(sorted(stats.counts.items())), "lost": len(stats.lost), "wrong": len(stats.wrong),
        "latency_p50_s": pct(0.5), "latency_p99_s": pct(0.99),
        "rss_after_warmup_bytes": warm, "rss_end_bytes": end_rss, "rss_max_bytes": max(samples) if samples else None,
        "rss_drift_bytes": (end_rss - warm) if warm else None,
        "sigterm_wave": dict(sorted(wave.counts.items())), "sigterm_wave_lost": len(wave.lost),
        "sigterm_wave_wrong": len(wave.wrong), "exit_code": code,
        "examples": (stats.lost + stats.wrong + wave.lost + wave.wrong)[:5],
    }
    failures = []
    if stats.lost or stats.wrong:
        failures.append(f"lost {len(stats.lost)}, wrong {len(stats.wrong)}")
    for kind, allowed in EXPECTED.items():
        for key, n in stats.counts.items():
            if key.startswith(kind + " ") and key != f"{kind} closed" and int(key.rsplit(" ", 1)[1]) not in allowed:
                failures.append(f"{kind}: {n} answered {key.rsplit(' ', 1)[1]}")
    if wave.lost or wave.wrong or wave.counts.get("valid 200", 0) != 16:
        failures.append(f"SIGTERM wave: {wave.counts}, lost {len(wave.lost)}, wrong {len(wave.wrong)}")
    if code != 0:
        failures.append(f"exit code {code} after SIGTERM")
    if warm and end_rss - warm > max(32 << 20, warm // 5):
        failures.append(f"resident memory grew by {(end_rss - warm) >> 20} MiB after warm-up")
    report["passed"] = not failures
    print(json.dumps(report, indent=1))
    if failures:
        sys.exit("fault soak FAILED: " + "; ".join(failures))


if __name__ == "__main__":
    main()
