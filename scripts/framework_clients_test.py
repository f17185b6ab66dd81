#!/usr/bin/env python3
"""LangChain's OpenAIEmbeddings and LlamaIndex's OpenAILikeEmbedding, unchanged and set up as
docs/server.md says, against `embedkit serve`: their vectors must equal `embedkit embed`'s on the same
texts (max abs difference <= 1e-7), for documents and queries.

Starts the server itself on 127.0.0.1 with a free port and stops it at the end.

    pip install langchain-openai==1.8.1 llama-index-embeddings-openai-like==0.4.0
    python3 scripts/framework_clients_test.py [--model Tests/Fixtures/dmeta-tiny] [--embedkit PATH]
"""
import argparse
import os
import sys

from serve_util import REPO, Server, embedkit_binary, offline_embeddings

TEXTS = [
    "How is the weather today?",
    "今天天气怎么样?",
    "Café naïve résumé façade — déjà vu!",
    "A girl is playing guitar.",
]
QUERY = "Who plays the guitar?"


def worst(got, want):
    assert len(got) == len(want), (len(got), len(want))
    return max(abs(x - y) for g, w in zip(got, want) for x, y in zip(g, w))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(REPO, "Tests", "Fixtures", "dmeta-tiny"))
    ap.add_argument("--embedkit", default=None)
    a = ap.parse_args()
    binary = a.embedkit or embedkit_binary()
    want_docs = offline_embeddings(binary, a.model, TEXTS)
    want_query = offline_embeddings(binary, a.model, [QUERY])[0]
    failures = []
    with Server(binary, a.model) as server:
        server.wait_healthy()
        base = server.base + "/v1"

        from langchain_openai import OpenAIEmbeddings
        lc = OpenAIEmbeddings(model="any", base_url=base, api_key="unused", check_embedding_ctx_length=False)
        d = worst(lc.embed_documents(TEXTS), want_docs)
        q = worst([lc.embed_query(QUERY)], [want_query])
        print(f"langchain-openai OpenAIEmbeddings: documents max |diff| {d:.2e}, query {q:.2e}")
        if max(d, q) > 1e-7:
            failures.append("LangChain")

        from llama_index.embeddings.openai_like import OpenAILikeEmbedding
        li = OpenAILikeEmbedding(model_name="any", api_base=base, api_key="unused")
        d = worst(li.get_text_embedding_batch(TEXTS), want_docs)
        q = worst([li.get_query_embedding(QUERY)], [want_query])
        print(f"llama-index OpenAILikeEmbedding: documents max |diff| {d:.2e}, query {q:.2e}")
        if max(d, q) > 1e-7:
            failures.append("LlamaIndex")
    if failures:
        sys.exit("vectors differ from embedkit embed: " + ", ".join(failures))
    print("framework clients: OK")


if __name__ == "__main__":
    main()
