#!/usr/bin/env bash
# The client libraries of docs/server.md's table (OpenAI, TEI, Jina and Ollama clients), unchanged and set
# up with their base URL only, against the server, compared with `embedkit embed`. They go into a venv of
# their own (they pin another openai than scripts/requirements.txt).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${CLIENTS_VENV:-/tmp/embedkit-clients-venv}
requirements="$repo/scripts/ci/clients-requirements.txt"
stamp="$venv/.requirements"
if ! cmp -s "$requirements" "$stamp"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi
"$venv/bin/python" "$repo/scripts/framework_clients_test.py" --embedkit "$EMBEDKIT"
