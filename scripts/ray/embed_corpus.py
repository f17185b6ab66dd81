#!/usr/bin/env python3
"""Embed a JSONL corpus with Ray Data, one EmbedKit replica per actor.

Each actor of `map_batches` starts its own `embedkit serve` on loopback (a free port on the node the
actor runs on) and sends its batches to `/embed`; Ray spreads the actors over the cluster's
nodes and streams rows through them. The result is written in corpus order as `.npy` (float32) with the
ids in `<name>.ids.jsonl` -- the files `embedkit embed --input corpus.jsonl --output vectors.npy` writes.

usage: embed_corpus.py --corpus corpus.jsonl --output vectors.npy --model MODEL_DIR
                       [--replicas 2] [--threads 1] [--batch-size 64] [--embedkit PATH]
Rows are {"id": "...", "text": "..."}. Connects to the running cluster (RAY_ADDRESS, or `ray start`'s
address file); without one, Ray starts a local one in-process.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import ray

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from serve_util import Server, embedkit_binary  # noqa: E402


class EmbedKitReplica:
    """A Ray Data actor that owns one `embedkit serve` process for its lifetime."""

    def __init__(self, binary, model, threads):
        import urllib.request  # noqa: F401  (imported on the worker)
        self.server = Server(binary, model, ["--threads", str(threads)])
        self.server.wait_healthy()

    def __call__(self, batch):
        import urllib.request
        # TEI's /embed with the model's own normalization and truncation: what `embedkit embed` gives
        # (/v1/embeddings always normalizes, as OpenAI's vectors are).
        body = json.dumps({"inputs": [str(t) for t in batch["text"]], "normalize": False, "truncate": True}).encode()
        request = urllib.request.Request(self.server.base + "/embed", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as response:
            batch["embedding"] = np.asarray(json.loads(response.read()), dtype=np.float32)
        batch["node"] = np.asarray([ray.get_runtime_context().get_node_id()] * len(batch["text"]))
        return batch

    def __del__(self):
        server = getattr(self, "server", None)
        if server is not None:
            server.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="compute threads per replica (the actor's num_cpus)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--replica-resource", default=None,
                    help="a custom Ray resource each replica needs one of (start each node with "
                         "--resources '{\"NAME\": 1}' to place one replica per node)")
    ap.add_argument("--embedkit", default=None)
    a = ap.parse_args()
    binary = os.path.abspath(a.embedkit or embedkit_binary())
    model = os.path.abspath(a.model)

    # Workers import serve_util from this repository's scripts/ (on a real cluster: the same path on
    # every node, or a container image holding the binary, the model and these scripts).
    scripts = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ray.init(address=os.environ.get("RAY_ADDRESS") or None, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": scripts}})
    start = time.time()
    ds = ray.data.read_json(os.path.abspath(a.corpus), lines=True, override_num_blocks=8 * a.replicas)
    ds = ds.map_batches(EmbedKitReplica, fn_constructor_kwargs=dict(binary=binary, model=model, threads=a.threads),
                        compute=ray.data.ActorPoolStrategy(size=a.replicas), num_cpus=a.threads, batch_size=a.batch_size, batch_format="numpy",
                        resources={a.replica_resource: 1} if a.replica_resource else None)
    rows = ds.take_all()
    seconds = time.time() - start

    # Ray Data does not keep row order across actors: put the rows back in corpus order by id.
    order = {}
    with open(a.corpus, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                order[json.loads(line)["id"]] = len(order)
    if len(rows) != len(order):
        sys.exit(f"Ray returned {len(rows)} rows for {len(order)} in the corpus")
    rows.sort(key=lambda r: order[r["id"]])
    vectors = np.stack([r["embedding"] for r in rows]).astype("<f4")
    np.save(a.output, vectors)
    with open(a.output[:-len(".npy")] + ".ids.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(str(r["id"])) + "\n")
    nodes = len({n["NodeID"] for n in ray.nodes() if n["Alive"]})
    print(json.dumps({"rows": len(rows), "seconds": seconds, "rows_per_s": len(rows) / seconds,
                      "replicas": a.replicas, "nodes": nodes, "nodes_that_embedded": len({r["node"] for r in rows})}))


if __name__ == "__main__":
    main()
