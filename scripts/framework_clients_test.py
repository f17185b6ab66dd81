#!/usr/bin/env python3
"""The client libraries people already use, unchanged and set up with only their base URL (as docs/server.md
says), against `embedkit serve`: every vector must equal `embedkit embed`'s on the same texts.

OpenAI-compatible: openai, LangChain OpenAIEmbeddings (also with dimensions), LlamaIndex OpenAILikeEmbedding,
LiteLLM openai/. TEI: huggingface_hub InferenceClient (feature_extraction, sentence_similarity), Haystack
HuggingFaceAPITextEmbedder/DocumentEmbedder, LlamaIndex TextEmbeddingsInference, Chroma
HuggingFaceEmbeddingServer, LiteLLM huggingface/. Jina: Haystack JinaTextEmbedder, LlamaIndex JinaEmbedding
(ubinary). Ollama: ollama.Client embed/embeddings, LangChain OllamaEmbeddings. Rerankers (the tiny
cross-encoder, against `embedkit rerank`): Haystack HuggingFaceTEIRanker (TEI's /rerank) and JinaRanker,
LlamaIndex JinaRerank, cohere Client / ClientV2 (/v1/rerank, /v2/rerank).

Float vectors agree within 1e-6 (a client that re-normalizes or sends JSON back through float32 moves the
last bits); packed bits exactly. Starts the server on 127.0.0.1 with a free port, stops it at the end.

    pip install -r scripts/ci/clients-requirements.txt
    python3 scripts/framework_clients_test.py [--model DIR] [--embedkit PATH]
"""
import argparse
import os
import subprocess
import sys

from serve_util import REPO, Server, embedkit_binary, offline_embeddings, parse_vectors

TEXTS = [
    "How is the weather today?",
    "今天天气怎么样?",
    "Café naïve résumé façade — déjà vu!",
    "A girl is playing guitar.",
]
QUERY = "Who plays the guitar?"
TOLERANCE = 1e-6


def default_model():
    real = os.path.join(REPO, "..", "shared", "fixtures", "all-MiniLM-L6-v2")
    return real if os.path.isdir(real) else os.path.join(REPO, "Tests", "Fixtures", "dmeta-tiny")


def worst(got, want):
    got = [list(map(float, g)) for g in got]
    assert len(got) == len(want), (len(got), len(want))
    for g, w in zip(got, want):
        assert len(g) == len(w), (len(g), len(w))
    return max(abs(x - y) for g, w in zip(got, want) for x, y in zip(g, w))


def cli(binary, model, texts, *args):
    import json
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        f.write("".join(json.dumps(t) + "\n" for t in texts))
    try:
        out = subprocess.run([binary, "embed", "--model", model, "--input", f.name, *args],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    return parse_vectors(out, len(texts))


def renormalized(v):
    norm = sum(x * x for x in v) ** 0.5
    return [x / norm for x in v]


def unpack_bits(packed):
    return [int(b) for byte in packed for b in format(int(byte) & 0xFF, "08b")]


class Results:
    def __init__(self, docs, query):
        self.failures = []
        self.docs, self.query = docs, query

    def check(self, name, got, want, tolerance=TOLERANCE):
        try:
            d = worst(got, want)
        except Exception as e:  # a shape mismatch or a client error is a failure with its message
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            self.failures.append(name)
            return
        ok = d <= tolerance
        print(f"{'ok  ' if ok else 'FAIL'} {name}: max |diff| {d:.2e}")
        if not ok:
            self.failures.append(name)

    def documents_and_query(self, name, client_embed_documents, client_embed_query):
        """A client's two entry points: a batch of documents and one query."""
        self.check(f"{name} documents", client_embed_documents(TEXTS), self.docs)
        self.check(f"{name} query", [client_embed_query(QUERY)], [self.query])

    def run(self, name, thunk):
        try:
            thunk()
        except Exception as e:
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            self.failures.append(name)


RERANK_QUERY = "what is a panda?"
RERANK_DOCUMENTS = [
    "The giant panda is a bear native to South Central China.",
    "Paris is the capital and most populous city of France.",
    "今天是晴天，气温二十度。",
    "Pandas eat bamboo.",
]


def rerank_clients(binary, r):
    """The reranker clients, base URL set, against `embedkit serve` of the tiny cross-encoder: each score
    must equal `embedkit rerank`'s (itself checked against sentence-transformers' CrossEncoder in CI 10)."""
    import json
    model = os.path.join(REPO, "Tests", "Fixtures", "reranker-tiny")
    out = subprocess.run([binary, "rerank", "--model", model, "--query", RERANK_QUERY, *RERANK_DOCUMENTS],
                         check=True, capture_output=True, text=True).stdout
    want = {d: json.loads(line)["score"] for d, line in zip(RERANK_DOCUMENTS, out.splitlines())}
    best = sorted(RERANK_DOCUMENTS, key=lambda d: -want[d])

    def check(name, got, top_n):
        """`got`: (document, score) pairs as the client returns them, best first."""
        docs = [d for d, _ in got]
        if docs != best[:top_n]:
            print(f"FAIL {name}: order {docs} (want {best[:top_n]})")
            r.failures.append(name)
            return
        r.check(name, [[s for _, s in got]], [[want[d] for d in docs]])

    with Server(binary, model, log_path="/tmp/embedkit-clients-rerank.log") as server:
        server.wait_healthy()
        base = server.base

        def haystack_tei():  # TEI's /rerank
            from haystack import Document
            from haystack_integrations.components.rankers.huggingface_api import HuggingFaceTEIRanker
            ranker = HuggingFaceTEIRanker(url=base, top_k=3)
            ranked = ranker.run(query=RERANK_QUERY, documents=[Document(content=d) for d in RERANK_DOCUMENTS])["documents"]
            check("haystack HuggingFaceTEIRanker", [(d.content, d.score) for d in ranked], 3)
        r.run("haystack HuggingFaceTEIRanker", haystack_tei)

        def haystack_jina():  # Jina's /v1/rerank
            from haystack import Document
            from haystack.utils import Secret
            from haystack_integrations.components.rankers.jina import JinaRanker
            ranker = JinaRanker(api_key=Secret.from_token("unused"), base_url=base + "/v1/rerank", top_k=3)
            ranked = ranker.run(query=RERANK_QUERY, documents=[Document(content=d) for d in RERANK_DOCUMENTS])["documents"]
            check("haystack JinaRanker", [(d.content, d.score) for d in ranked], 3)
        r.run("haystack JinaRanker", haystack_jina)

        def llama_jina():
            from llama_index.core.schema import NodeWithScore, TextNode
            from llama_index.postprocessor.jinaai_rerank import JinaRerank
            rerank = JinaRerank(base_url=base + "/v1", api_key="unused", top_n=2)
            nodes = rerank.postprocess_nodes([NodeWithScore(node=TextNode(text=d)) for d in RERANK_DOCUMENTS],
                                             query_str=RERANK_QUERY)
            check("llama-index JinaRerank", [(n.node.get_content(), n.score) for n in nodes], 2)
        r.run("llama-index JinaRerank", llama_jina)

        def cohere_clients():
            import cohere
            v2 = cohere.ClientV2(base_url=base, api_key="unused").rerank(
                model="any", query=RERANK_QUERY, documents=RERANK_DOCUMENTS, top_n=3)
            check("cohere ClientV2.rerank", [(RERANK_DOCUMENTS[x.index], x.relevance_score) for x in v2.results], 3)
            v1 = cohere.Client(base_url=base, api_key="unused").rerank(
                model="any", query=RERANK_QUERY, documents=RERANK_DOCUMENTS, top_n=4, return_documents=True)
            check("cohere Client.rerank (v1)", [(x.document.text, x.relevance_score) for x in v1.results], 4)
        r.run("cohere Client", cohere_clients)


def main():
    # LiteLLM fetches its price list from GitHub at import unless told to use the copy it ships.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=default_model())
    ap.add_argument("--embedkit", default=None)
    a = ap.parse_args()
    binary = a.embedkit or embedkit_binary()
    model = os.path.abspath(a.model)
    docs = offline_embeddings(binary, model, TEXTS)
    query = offline_embeddings(binary, model, [QUERY])[0]
    # The server's `dimensions` keeps the first K values and L2-normalizes them, as OpenAI's API does
    # (`embedkit embed --dimensions K` is sentence-transformers' truncate_dim: no renormalization).
    docs128 = [renormalized(v[:128]) for v in docs]
    ubinary = [unpack_bits(v) for v in cli(binary, model, [QUERY] + TEXTS, "--encoding-format", "ubinary")]
    dim = len(query)
    print(f"model {os.path.basename(model)}: {dim} dimensions, {len(TEXTS)} documents and a query")
    r = Results(docs, query)
    with Server(binary, model, log_path="/tmp/embedkit-clients-serve.log") as server:
        server.wait_healthy()
        base, v1 = server.base, server.base + "/v1"

        # OpenAI-compatible clients: base URL .../v1.
        def openai_sdk():
            from openai import OpenAI
            c = OpenAI(base_url=v1, api_key="unused")
            got = c.embeddings.create(model="any", input=TEXTS)
            r.check("openai embeddings.create", [d.embedding for d in got.data], docs)
            # What LangChain's OpenAIEmbeddings sends when left at its default: tiktoken ids ("Hello world").
            # They lack the model's [CLS]/[SEP], so they must fail loudly, naming LangChain's fix.
            import openai
            try:
                c.embeddings.create(model="any", input=[[9906, 1917]])
                print("FAIL openai token ids without the model's special tokens: accepted")
                r.failures.append("tiktoken ids")
            except openai.BadRequestError as e:
                if "check_embedding_ctx_length" not in str(e):
                    raise
                print("ok   openai tiktoken ids: 400 naming check_embedding_ctx_length=False")
        r.run("openai", openai_sdk)

        def langchain_openai():
            from langchain_openai import OpenAIEmbeddings
            lc = OpenAIEmbeddings(model="any", base_url=v1, api_key="unused", check_embedding_ctx_length=False)
            r.documents_and_query("langchain-openai OpenAIEmbeddings", lc.embed_documents, lc.embed_query)
            lc128 = OpenAIEmbeddings(model="any", base_url=v1, api_key="unused", check_embedding_ctx_length=False,
                                     dimensions=128)
            r.check("langchain-openai OpenAIEmbeddings dimensions=128", lc128.embed_documents(TEXTS), docs128)
        r.run("langchain-openai", langchain_openai)

        def llama_openai_like():
            from llama_index.embeddings.openai_like import OpenAILikeEmbedding
            li = OpenAILikeEmbedding(model_name="any", api_base=v1, api_key="unused")
            r.documents_and_query("llama-index OpenAILikeEmbedding", li.get_text_embedding_batch, li.get_query_embedding)
        r.run("llama-index OpenAILikeEmbedding", llama_openai_like)

        def litellm_openai():
            import litellm
            got = litellm.embedding(model="openai/any", api_base=v1, api_key="unused", input=TEXTS)
            r.check("litellm openai/", [d["embedding"] for d in got.data], docs)
        r.run("litellm openai/", litellm_openai)

        # TEI clients: base URL = the server's root.
        def hf_inference_client():
            from huggingface_hub import InferenceClient
            c = InferenceClient(model=base)
            r.check("huggingface_hub InferenceClient.feature_extraction", c.feature_extraction(TEXTS).tolist(), docs)
            r.check("huggingface_hub InferenceClient.feature_extraction (one text)",
                    c.feature_extraction(QUERY).tolist(), [query])
            scores = c.sentence_similarity(QUERY, TEXTS)
            want = [[sum(x * y for x, y in zip(query, d)) for d in docs]]  # cosine of normalized vectors
            r.check("huggingface_hub InferenceClient.sentence_similarity", [scores], want)
        r.run("huggingface_hub InferenceClient", hf_inference_client)

        def haystack_tei():
            from haystack.utils import Secret
            from haystack import Document
            from haystack_integrations.components.embedders.huggingface_api import (
                HuggingFaceAPIDocumentEmbedder, HuggingFaceAPITextEmbedder)
            params = dict(api_type="text_embeddings_inference", api_params={"url": base},
                          token=Secret.from_token("unused"))
            t = HuggingFaceAPITextEmbedder(**params)
            r.check("haystack HuggingFaceAPITextEmbedder", [t.run(text=QUERY)["embedding"]], [query])
            d = HuggingFaceAPIDocumentEmbedder(**params)
            out = d.run(documents=[Document(content=x) for x in TEXTS])["documents"]
            r.check("haystack HuggingFaceAPIDocumentEmbedder", [x.embedding for x in out], docs)
        r.run("haystack HuggingFaceAPI", haystack_tei)

        def llama_tei():
            from llama_index.embeddings.text_embeddings_inference import TextEmbeddingsInference
            li = TextEmbeddingsInference(model_name="any", base_url=base)
            r.documents_and_query("llama-index TextEmbeddingsInference", li.get_text_embedding_batch, li.get_query_embedding)
        r.run("llama-index TextEmbeddingsInference", llama_tei)

        def chroma():
            from chromadb.utils.embedding_functions import HuggingFaceEmbeddingServer
            ef = HuggingFaceEmbeddingServer(url=base + "/embed")
            r.check("chroma HuggingFaceEmbeddingServer", [v.tolist() for v in ef(TEXTS)], docs)
            # Chroma sends a whole collection in one request (LangChain 1000 texts per request by default).
            r.check("chroma HuggingFaceEmbeddingServer, 1000 texts in one request",
                    [v.tolist() for v in ef(TEXTS * 250)], docs * 250)
        r.run("chroma HuggingFaceEmbeddingServer", chroma)

        def litellm_hf():
            import litellm
            # input_type names the pipeline; without it LiteLLM asks huggingface.co for the model's task.
            got = litellm.embedding(model="huggingface/any", api_base=base, input=TEXTS,
                                    input_type="feature-extraction")
            r.check("litellm huggingface/", [d["embedding"] for d in got.data], docs)
        r.run("litellm huggingface/", litellm_hf)

        # Jina clients: base URL .../v1/embeddings (Haystack) or .../v1 (LlamaIndex).
        def haystack_jina():
            from haystack.utils import Secret
            from haystack_integrations.components.embedders.jina import JinaTextEmbedder
            t = JinaTextEmbedder(api_key=Secret.from_token("unused"), model="any", base_url=v1 + "/embeddings")
            r.check("haystack JinaTextEmbedder", [t.run(text=QUERY)["embedding"]], [query])
            t128 = JinaTextEmbedder(api_key=Secret.from_token("unused"), model="any", base_url=v1 + "/embeddings",
                                    dimensions=128)
            r.check("haystack JinaTextEmbedder dimensions=128", [t128.run(text=TEXTS[0])["embedding"]], docs128[:1])
            try:
                JinaTextEmbedder(api_key=Secret.from_token("unused"), model="any", base_url=v1 + "/embeddings",
                                 task="no-such-task").run(text=QUERY)
                print("FAIL haystack JinaTextEmbedder: an unknown task was accepted")
                r.failures.append("haystack JinaTextEmbedder unknown task")
            except RuntimeError as e:  # the client raises the body's "detail"
                print(f"ok   haystack JinaTextEmbedder unknown task: RuntimeError({str(e)[:70]}…)")
        r.run("haystack JinaTextEmbedder", haystack_jina)

        def llama_jina():
            from llama_index.embeddings.jinaai import JinaEmbedding
            li = JinaEmbedding(model="any", api_key="unused", encoding_queries="ubinary", encoding_documents="ubinary")
            # JinaEmbedding takes no base URL (it builds its caller with Jina's): point that caller here.
            li._api.api_url = v1 + "/embeddings"
            r.check("llama-index JinaEmbedding ubinary query", [li.get_query_embedding(QUERY)], ubinary[:1], 0)
            r.check("llama-index JinaEmbedding ubinary documents", li.get_text_embedding_batch(TEXTS), ubinary[1:], 0)
        r.run("llama-index JinaEmbedding", llama_jina)

        # Ollama clients: base URL = the server's root.
        def ollama_client():
            import ollama
            c = ollama.Client(host=base)
            r.check("ollama Client.embed", c.embed(model="any", input=TEXTS).embeddings, docs)
            r.check("ollama Client.embed dimensions=128", c.embed(model="any", input=TEXTS, dimensions=128).embeddings,
                    docs128)
            r.check("ollama Client.embeddings (legacy)", [c.embeddings(model="any", prompt=QUERY).embedding], [query])
            names = [m.model for m in c.list().models]
            if not names:
                raise RuntimeError("ollama Client.list() found no model")
            c.show(names[0])
        r.run("ollama Client", ollama_client)

        def langchain_ollama():
            from langchain_ollama import OllamaEmbeddings
            lc = OllamaEmbeddings(model="any", base_url=base)
            r.documents_and_query("langchain-ollama OllamaEmbeddings", lc.embed_documents, lc.embed_query)
        r.run("langchain-ollama OllamaEmbeddings", langchain_ollama)

    rerank_clients(binary, r)

    if r.failures:
        sys.exit(f"{len(r.failures)} client checks failed: " + ", ".join(r.failures)
                 + " (server log: /tmp/embedkit-clients-serve.log)")
    print("framework clients: OK")


if __name__ == "__main__":
    main()
