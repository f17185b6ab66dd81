#!/usr/bin/env bash
# EmbedKit as a dependency beside a package with swift-transformers' module names (Hub, Tokenizers,
# Models; scripts/consumer): the consumer builds (debug, the library product only) and its embedding
# equals `embedkit embed`'s.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$repo/scripts/consumer/app/." "$work/"
cp -r "$repo/scripts/consumer/lookalike" "$work/lookalike"
ln -s "$repo" "$work/embedkit"
# The consumer's own build folder; dependencies resolve from the same package copies as the repo's.
swift build --package-path "$work" --scratch-path "$work/.build" 2>&1 | tail -3
model="$repo/Tests/Fixtures/jina-v2-tiny-en"
text="Module names of our own let EmbedKit live beside swift-transformers."
got=$("$work/.build/debug/Consumer" "$model" "$text")
want=$("$EMBEDKIT" embed --model "$model" "$text")
python3 - "$got" "$want" <<'PY'
import json, sys
got, want = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert len(got) == len(want), f"consumer gave {len(got)} values, embedkit embed {len(want)}"
worst = max(abs(a - b) for a, b in zip(got, want))
assert worst <= 1e-5, f"consumer differs from embedkit embed by {worst}"
print(f"consumer beside Hub/Tokenizers/Models: {len(got)} values, max |diff| to embedkit embed {worst:.1e}")
PY
