#!/usr/bin/env bash
# The server driven by the official openai package, compared with `embedkit embed`.
set -euo pipefail
python3 "$(dirname "$0")/../openai_client_test.py" --embedkit "$EMBEDKIT"
