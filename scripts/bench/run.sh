#!/usr/bin/env bash
# EmbedKit at each precision beside PyTorch fp32, ONNX Runtime fp32/int8 and OpenVINO fp32/bf16, side by
# side, same thread count. See scripts/bench/README.md.
# usage: scripts/bench/run.sh [OUT_DIR]        (default: <repo>/bench-out, git-ignored)
# env:   BENCH_THREADS (2)  BENCH_REPS (2)  BENCH_TIMEOUT seconds per run (600)
#        BENCH_CASES "model:workload ..." to run a subset (names below)  BENCH_SKIP_BUILD=1
#        BENCH_MAX_TEXTS caps the texts of every workload (a quick, smaller run)
#        BENCH_ENGINES (default: all of embedkit-fp32 embedkit-bf16 embedkit-int8 pytorch ort-fp32 ort-int8 ov-fp32 ov-bf16)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=$(mkdir -p "${1:-$REPO/bench-out}" && cd "${1:-$REPO/bench-out}" && pwd)
THREADS=${BENCH_THREADS:-2}
REPS=${BENCH_REPS:-2}
TIMEOUT=${BENCH_TIMEOUT:-600}
SHARED=$(cd "$REPO/../shared" 2>/dev/null && pwd) || SHARED="$REPO/../shared"
[ -f "$SHARED/tools/make_synthetic_model.py" ] || { echo "run.sh: no shared/tools/make_synthetic_model.py (looked in $REPO/../shared)" >&2; exit 2; }
[ -d "$SHARED/data/sts" ] || { echo "run.sh: no $SHARED/data/sts" >&2; exit 2; }

# Workloads per model: "model:workload:file:batch:count" (batch: texts per forward pass, as in issue #12's
# table: 32 for short sentences, 8 for passages). zpoint rows use fewer texts (see README.md).
ALL_CASES="
jina-v2-small-en:short:en/short.jsonl:32:1024
jina-v2-small-en:passages:en/passages.jsonl:8:48
jina-v2-small-en:8k:en/long.jsonl:1:2
jina-v2-small-en:query:en/short.jsonl:1:1000
jina-v2-base-zh:short:zh/short.jsonl:32:1024
jina-v2-base-zh:passages:zh/passages.jsonl:8:48
jina-v2-base-zh:8k-memory:zh/long.jsonl:1:1
zpoint-large:short:zh/short.jsonl:32:128
zpoint-large:passages:zh/passages.jsonl:8:8
"
ENGINES=${BENCH_ENGINES:-"embedkit-fp32 embedkit-bf16 embedkit-int8 pytorch ort-fp32 ort-int8 ov-fp32 ov-bf16"}
CASES=""
for c in $ALL_CASES; do
  key=${c%%:*}:$(echo "$c" | cut -d: -f2)
  if [ -n "${BENCH_MAX_TEXTS:-}" ] && [ "${c##*:}" -gt "$BENCH_MAX_TEXTS" ]; then c=${c%:*}:$BENCH_MAX_TEXTS; fi
  if [ -z "${BENCH_CASES:-}" ] || [[ " $BENCH_CASES " == *" $key "* ]]; then CASES="$CASES $c"; fi
done

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# ---- tools: /usr/bin/time, python with pinned packages, embedkit release build
if [ ! -x /usr/bin/time ]; then
  log "installing /usr/bin/time (apt package 'time')"
  apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi
PINS="torch==2.13.0+cpu numpy==1.26.4 safetensors==0.4.5 tokenizers==0.19.1"
# ../shared/tools/onnx_anchor.py's engines (ONNX export from the same PyTorch graph)
ANCHOR_PINS="onnx onnxruntime openvino transformers==4.44.2"
PY=python3
if ! $PY -c 'import torch, numpy, safetensors, tokenizers as t, sys
sys.exit(not (torch.__version__ == "2.13.0+cpu" and numpy.__version__ == "1.26.4" and t.__version__ == "0.19.1"))' 2>/dev/null; then
  if [ ! -x "$OUT/venv/bin/python" ]; then
    log "creating $OUT/venv with $PINS"
    python3 -m venv "$OUT/venv"
    # torch resolves from the local wheel folder (pip's find-links); it is pinned so no CUDA build is pulled
    "$OUT/venv/bin/pip" install --quiet $PINS
  fi
  PY=$OUT/venv/bin/python
fi
if [[ " $ENGINES " == *" ort-"* || " $ENGINES " == *" ov-"* ]] && ! $PY -c 'import onnx, onnxruntime, openvino, transformers' 2>/dev/null; then
  log "installing $ANCHOR_PINS into $($PY -c 'import sys; print(sys.prefix)')"
  $PY -m pip install --quiet $ANCHOR_PINS
fi
BIN=$REPO/.build/release/embedkit
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || [ ! -x "$BIN" ]; then
  log "swift build -c release --product embedkit"
  (cd "$REPO" && swift build -c release --product embedkit >&2)
fi

# ---- models (random weights, real shapes) and workloads
mkdir -p "$OUT/models" "$OUT/workloads" "$OUT/raw"
for spec in jina-v2-small-en:float32 jina-v2-base-zh:float16 zpoint-large:float32; do
  name=${spec%%:*}; dtype=${spec##*:}
  if [ ! -f "$OUT/models/$name/modules.json" ]; then
    log "making synthetic $name ($dtype)"
    $PY "$SHARED/tools/make_synthetic_model.py" "$name" "$OUT/models/$name" --dtype "$dtype" >&2
  fi
done
[ -f "$OUT/workloads/en/long.jsonl" ] || $PY "$HERE/make_workloads.py" --data "$SHARED/data/sts" --lang en \
  --tokenizer "$OUT/models/jina-v2-small-en" --out "$OUT/workloads/en" >&2
[ -f "$OUT/workloads/zh/long.jsonl" ] || $PY "$HERE/make_workloads.py" --data "$SHARED/data/sts" --lang zh \
  --tokenizer "$OUT/models/jina-v2-base-zh" --out "$OUT/workloads/zh" >&2

# ---- runs: engines interleaved (in order on odd repetitions, reversed on even ones), each under /usr/bin/time -v
run_one() {  # engine model workload input batch rep
  local engine=$1 model=$2 workload=$3 input=$4 batch=$5 rep=$6
  local id="$model.$workload.$engine.$rep"
  local cmd
  case "$engine" in
    embedkit-*) cmd=("$BIN" bench --model "$OUT/models/$model" --input "$input" --batch-size "$batch" --threads "$THREADS"
                     --precision "${engine#embedkit-}")
                 # query: one short text per call; EmbedKit also reports mean/p50/p99 ms of a call.
                 [ "$workload" = query ] && cmd+=(--latency) ;;
    pytorch) cmd=("$PY" "$HERE/torch_reference.py" bench --model "$OUT/models/$model" --input "$input" --batch-size "$batch" --threads "$THREADS") ;;
    *) cmd=("$PY" "$SHARED/tools/onnx_anchor.py" "$OUT/models/$model" "$input" "$batch" "$engine" "$THREADS") ;;
  esac
  log "run $id"
  local rc=0
  ANCHOR_CACHE="$OUT/onnx" OMP_NUM_THREADS=$THREADS /usr/bin/time -v -o "$OUT/raw/$id.time" timeout "$TIMEOUT" "${cmd[@]}" \
    >"$OUT/raw/$id.json" 2>"$OUT/raw/$id.err" || rc=$?
  echo "$rc" >"$OUT/raw/$id.rc"
  [ "$rc" = 0 ] || log "  $id failed (exit $rc): $(tail -c 300 "$OUT/raw/$id.err" | tr '\n' ' ')"
}

rm -f "$OUT"/raw/*
START=$(date +%s)
for rep in $(seq 1 "$REPS"); do
  for c in $CASES; do
    IFS=: read -r model workload file batch count <<<"$c"
    input="$OUT/workloads/${file%.jsonl}-$count.jsonl"
    head -n "$count" "$OUT/workloads/$file" >"$input"
    if [ $((rep % 2)) = 1 ]; then order=$ENGINES; else order=$(echo $ENGINES | tr ' ' '\n' | tac | tr '\n' ' '); fi
    for engine in $order; do run_one "$engine" "$model" "$workload" "$input" "$batch" "$rep"; done
  done
done
log "runs took $(( $(date +%s) - START )) s"

MAIN_COMMIT=$(cd "$REPO" && git log -1 --format='%h %s' 2>/dev/null | cut -c1-80 || echo unknown)
$PY "$HERE/report.py" --raw "$OUT/raw" --out "$OUT" --cases "$CASES" --threads "$THREADS" --reps "$REPS" --engines "$ENGINES" \
  --commit "$MAIN_COMMIT"
