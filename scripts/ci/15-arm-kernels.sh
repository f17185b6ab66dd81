#!/usr/bin/env bash
# AArch64 kernel families under emulation (correctness only, never timing): the kernel C target and
# scripts/arm/kernel_test.c cross-compiled for aarch64 with the toolchain's clang, linked with Debian's
# cross gcc, run under qemu-user on three CPU models — every feature (NEON, SDOT, SMMLA, BFDOT), a
# Graviton2-like one (NEON + SDOT) and a plain NEON one — so that each family is checked against the
# scalar reference and the dispatch against what each model has.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
need=()
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
[ -d /usr/aarch64-linux-gnu/include ] || need+=(libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for src in "$repo"/Sources/EmbedKitCKernels/*.c "$repo"/scripts/arm/kernel_test.c; do
  clang --target=aarch64-linux-gnu -O2 -Wall -Werror -Wno-unused-function -c \
    -I"$repo/Sources/EmbedKitCKernels/include" -isystem /usr/aarch64-linux-gnu/include \
    "$src" -o "$out/$(basename "$src").o"
done
aarch64-linux-gnu-gcc -o "$out/kernel_test" "$out"/*.o -lm
status=0
for model in "max:dotprod,i8mm,bf16" "neoverse-n1:dotprod" "cortex-a72:none"; do
  cpu=${model%%:*} features=${model#*:}
  echo "-- qemu-aarch64 -cpu $cpu (expects: $features)"
  qemu-aarch64 -cpu "$cpu" -L /usr/aarch64-linux-gnu "$out/kernel_test" --expect "$features" || status=1
done
exit $status
