#!/usr/bin/env bash
# The memory budget under a burst (short form of the run in docs/reliability.md): a full-size
# jina-v2-small-en-shaped model with random weights, `serve --max-memory 1GB --max-batch-tokens 1000000`,
# 8 concurrent clients x 2 inputs x ~8000 tokens. scripts/memory_burst.py fails unless every request is
# answered 200/429/503, the server's VmHWM stays under 1 GB, vectors equal `embedkit embed`'s and a
# normal request succeeds after.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
shared="$repo/../shared"
python3 -c "import numpy, safetensors" 2>/dev/null || python3 -m pip install -q --disable-pip-version-check numpy safetensors
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$shared/tools/make_synthetic_model.py" jina-v2-small-en "$work/jina-v2-small-en" >/dev/null
python3 "$repo/scripts/memory_burst.py" --embedkit "$EMBEDKIT" --model "$work/jina-v2-small-en" \
  --max-memory 1GB --clients 8 --inputs 2 --tokens 8000 --max-batch-tokens 1000000 --threads 2
