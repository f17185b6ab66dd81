#!/usr/bin/env bash
# LangChain's OpenAIEmbeddings and LlamaIndex's OpenAILikeEmbedding, set up as docs/server.md says,
# against the server, compared with `embedkit embed`. Their packages go into a venv of their own (they
# pin another openai than scripts/requirements.txt).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${CLIENTS_VENV:-/tmp/embedkit-clients-venv}
if ! "$venv/bin/python" -c "import langchain_openai, llama_index.embeddings.openai_like" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "langchain-openai==1.8.1" "llama-index-embeddings-openai-like==0.4.0"
fi
"$venv/bin/python" "$repo/scripts/framework_clients_test.py" --embedkit "$EMBEDKIT"
