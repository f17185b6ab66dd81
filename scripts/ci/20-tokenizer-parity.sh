#!/usr/bin/env bash
# Token ids of `embedkit tokenize` against Hugging Face tokenizers itself, every component combination.
set -euo pipefail
python3 "$(dirname "$0")/../tokenizer_parity.py" --embedkit "$EMBEDKIT" --offsets
