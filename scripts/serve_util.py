"""Shared helpers of the server scripts: start `embedkit serve` on loopback, wait for /health, stop it.

Only 127.0.0.1 is ever contacted.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

HOST = "127.0.0.1"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def embedkit_binary():
    for cfg in ("release", "debug"):
        p = os.path.join(REPO, ".build", cfg, "embedkit")
        if os.path.exists(p):
            return p
    sys.exit("embedkit is not built: run `swift build -c release --product embedkit` first (or pass --embedkit)")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """`embedkit serve` as a child process on 127.0.0.1:<free port>."""

    def __init__(self, binary, model, extra_args=(), api_key=None, log_path=None):
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        args = [binary, "serve", "--model", model, "--host", HOST, "--port", str(self.port), *extra_args]
        if api_key:
            args += ["--api-key", api_key]
        self.log = open(log_path or os.devnull, "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"embedkit serve exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError("embedkit serve did not become healthy in time")

    def stop(self, timeout=30):
        """SIGTERM (graceful: requests in flight finish), then SIGKILL if it does not exit."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def offline_embeddings(binary, model, texts):
    """Vectors from `embedkit embed` on the same texts (one JSON string per input line)."""
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps(t) + "\n")
        path = f.name
    try:
        out = subprocess.run([binary, "embed", "--model", model, "--input", path],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    return parse_vectors(out, len(texts))


def parse_vectors(out, n):
    """Accepts a JSON array of vectors, an object with 'embeddings', or one JSON vector (or object) per line."""
    out = out.strip()
    try:
        doc = json.loads(out)
        if isinstance(doc, dict):
            doc = doc.get("embeddings") or doc.get("data")
        if doc and all(isinstance(x, (int, float)) for x in doc):
            doc = [doc]
        vecs = [v["embedding"] if isinstance(v, dict) else v for v in doc]
    except json.JSONDecodeError:
        vecs = []
        for line in out.splitlines():
            if line.strip():
                v = json.loads(line)
                vecs.append(v.get("embedding") if isinstance(v, dict) else v)
    if len(vecs) != n:
        raise RuntimeError(f"embedkit embed printed {len(vecs)} vectors for {n} texts")
    return vecs
