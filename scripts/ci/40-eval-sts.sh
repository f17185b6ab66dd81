#!/usr/bin/env bash
# `embedkit eval sts` with the real all-MiniLM-L6-v2 on STS-B test must give MTEB's published 82.03.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
model="$repo/../shared/fixtures/all-MiniLM-L6-v2"
data="$repo/../shared/data/sts/stsb-en-test.jsonl"
if [ ! -f "$model/golden.json" ] || [ ! -f "$data" ]; then echo "skipping eval check: ../shared not found"; exit 0; fi
"$EMBEDKIT" eval sts --model "$model" --data "$data" 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
score = r["main_score"]
print(f"eval sts all-MiniLM-L6-v2: main_score {score:.6f} (MTEB STSBenchmark 82.03)")
sys.exit(0 if round(score, 4) == 0.8203 else 1)'
