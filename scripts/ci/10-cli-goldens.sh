#!/usr/bin/env bash
# The CLI contract (embed, tokenize, errors) against every golden.
set -euo pipefail
python3 "$(dirname "$0")/cli_goldens.py"
