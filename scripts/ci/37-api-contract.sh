#!/usr/bin/env bash
# The OpenAPI document validated, then schemathesis against a live server (no 5xx, responses match
# their schemas). Its tools go into a venv of their own.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${CONTRACT_VENV:-/tmp/embedkit-contract-venv}
if ! "$venv/bin/python" -c "import schemathesis, openapi_spec_validator" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==4.32.5" "openapi-spec-validator==0.9.0"
fi
"$venv/bin/python" "$repo/scripts/api_contract_test.py" --embedkit "$EMBEDKIT"
