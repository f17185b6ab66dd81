#!/usr/bin/env bash
# Ray Data over EmbedKit replicas: a local Ray cluster on loopback (a head and a worker node, both on
# this machine), scripts/ray/embed_corpus.py with two replicas and with one, each compared row for row
# with single-process `embedkit embed --output`; prints the throughput of both.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
python=${RAY_PYTHON:-python3}
"$python" -c "import ray, pyarrow" 2>/dev/null || "$python" -m pip install -q --disable-pip-version-check "ray[data]==2.60.0"
work=$(mktemp -d)
port=$("$python" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
ray_bin=$(dirname "$(command -v "$python")")/ray
[ -x "$ray_bin" ] || ray_bin=ray
cleanup() { "$ray_bin" stop --force >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
export RAY_USAGE_STATS_ENABLED=0
# Two logical CPUs per node (one for the replica, one for Ray Data's read tasks) and one "embedkit"
# resource, so each node runs exactly one replica, as on a real cluster.
common=(--num-cpus 2 --resources '{"embedkit": 1}' --object-store-memory 100000000 --node-ip-address 127.0.0.1 --disable-usage-stats)
"$ray_bin" start --head --port "$port" --include-dashboard false "${common[@]}" >"$work/head.log" 2>&1
"$ray_bin" start --address "127.0.0.1:$port" "${common[@]}" >"$work/worker.log" 2>&1
model=${RAY_MODEL:-"$repo/Tests/Fixtures/jina-v2-tiny-en"}

"$python" - "$work/corpus.jsonl" "${RAY_ROWS:-20000}" <<'PY'
import json, random, sys
random.seed(5)
words = "the a man woman dog cat runs eats under over quickly red blue house car tree river 北京 天气 straße".split()
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i in range(int(sys.argv[2])):
        f.write(json.dumps({"id": f"doc-{i}", "text": " ".join(random.choices(words, k=random.randint(1, 60)))}) + "\n")
PY
"$EMBEDKIT" embed --model "$model" --threads 1 --input "$work/corpus.jsonl" --output "$work/single.npy" >"$work/single.json"
for replicas in 2 1; do
  RAY_ADDRESS="127.0.0.1:$port" "$python" "$repo/scripts/ray/embed_corpus.py" --corpus "$work/corpus.jsonl" \
    --output "$work/ray$replicas.npy" --model "$model" --replicas "$replicas" --threads 1 --replica-resource embedkit --embedkit "$EMBEDKIT" \
    >"$work/ray$replicas.json"
done
"$python" - "$work" <<'PY'
import json, sys
import numpy as np
w = sys.argv[1]
single = np.load(f"{w}/single.npy")
ids = open(f"{w}/single.ids.jsonl").read()
for r in (2, 1):
    got = np.load(f"{w}/ray{r}.npy")
    assert got.shape == single.shape, (got.shape, single.shape)
    assert open(f"{w}/ray{r}.ids.jsonl").read() == ids, "ids differ"
    diff = float(np.abs(got - single).max())
    assert diff == 0.0, f"{r} replicas: max |diff| {diff} against embedkit embed"
    s = json.load(open(f"{w}/ray{r}.json"))
    assert s["nodes_that_embedded"] == r, f"{r} replicas ran on {s['nodes_that_embedded']} node(s)"
    print(f"ray data, {r} replica(s) on {s['nodes_that_embedded']} of {s['nodes']} nodes: {s['rows']} rows in {s['seconds']:.2f} s "
          f"({s['rows_per_s']:.0f} rows/s), identical to embedkit embed")
one, two = (json.load(open(f"{w}/ray{r}.json"))["rows_per_s"] for r in (1, 2))
print(f"2 replicas / 1 replica throughput: {two / one:.2f}x (this machine has 2 cores; Ray's own processes share them)")
PY
