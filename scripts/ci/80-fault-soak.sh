#!/usr/bin/env bash
# Short form of the fault soak (docs/reliability.md has a long run): 20 s of mixed valid requests
# (checked against `embedkit embed`), vanishing, slow, oversized and malformed clients, /tokenize and
# /metrics, then SIGTERM under load. Fails on a lost or wrong answer, an unexpected status, memory growth
# after warm-up, or an unclean exit.
set -euo pipefail
python3 "$(dirname "$0")/../fault_soak.py" --embedkit "$EMBEDKIT" --seconds 20 --workers 6
