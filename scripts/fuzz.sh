#!/usr/bin/env bash
# libFuzzer + AddressSanitizer over every FuzzHarness target, SECONDS each (default 60), starting from
# the saved corpora in Tests/Fuzz/<target>. Prints executions and coverage per target; a crashing input
# is copied into Tests/Fuzz/<target>/ (FuzzTests then replays it for good) and the script fails. Leak
# detection is off: ZIPFoundation leaks ~55 bytes per archive opened (Foundation path conversion).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors pytorch-zip tokenizer-json tokenize config-json modules-json)
scratch="$repo/.build/fuzz"
# Swift code instrumented for libFuzzer (the frontend's -sanitize=fuzzer) and AddressSanitizer, C code
# likewise; linked with libFuzzer's runtime without its main(), which SwiftPM's executable entry
# point would collide with: FuzzEntry calls LLVMFuzzerRunDriver itself.
runtime=$(ls "$(dirname "$(command -v swiftc)")"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -1)
swift build --package-path "$repo" -c release --product embedkit-fuzz --scratch-path "$scratch" \
  -Xswiftc -sanitize=address -Xswiftc -Xfrontend -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING \
  -Xcc -fsanitize=fuzzer-no-link,address -Xlinker "$runtime" -Xlinker -lstdc++ >/dev/null
bin="$scratch/release/embedkit-fuzz"
status=0
for target in "${targets[@]}"; do
  work=$(mktemp -d)
  art=$(mktemp -d)
  cp "$repo/Tests/Fuzz/$target"/* "$work/"
  log="$work.log"
  ASAN_OPTIONS=detect_leaks=0 EMBEDKIT_FUZZ_TARGET="$target" "$bin" "$work" -max_total_time="$seconds" -print_final_stats=1 \
    -rss_limit_mb=4096 -max_len=65536 -timeout=20 -detect_leaks=0 -artifact_prefix="$art/" >"$log" 2>&1 || true
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  corpus=$(ls "$work" | wc -l)
  found=$(ls "$art")
  echo "$target: ${execs} executions in ${seconds} s, coverage ${cov} edges (${ft} features), corpus ${corpus} inputs"
  if [ -n "$found" ]; then
    status=1
    for f in $found; do cp "$art/$f" "$repo/Tests/Fuzz/$target/$f"; echo "  FOUND $f (saved in Tests/Fuzz/$target)"; done
    grep -E 'runtime failure|ERROR|SUMMARY|Fatal' "$log" | head -10 | sed 's/^/    /' || true
  fi
  rm -rf "$work" "$art" "$log"
done
exit $status
