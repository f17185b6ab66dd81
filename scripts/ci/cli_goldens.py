#!/usr/bin/env python3
"""Checks the `embedkit embed`, `tokenize`, `rerank`, `sparse` and `m3` contracts against every golden.json.

For each fixture it writes the golden texts as JSONL (json.dumps per line, as users do), runs the
release binary, and requires identical token ids and embeddings within 1e-4. It also checks that bad
input gives one error line on stderr and a non-zero exit. Prints 'N passed, N failed'.
"""
import json, os, subprocess, sys, tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("EMBEDKIT", os.path.join(REPO, ".build/release/embedkit"))
TOL = 1e-4


def fixtures():
    names = ["jina-v2-tiny-en", "jina-v2-tiny-zh", "jina-v2-tiny-de", "dmeta-tiny", "zpoint-tiny", "xlmr-tiny", "mpnet-tiny", "nomic-tiny", "modernbert-tiny", "qwen3-tiny"]
    out = [(n, os.path.join(REPO, "Tests/Fixtures", n)) for n in names]
    shared = os.path.join(os.path.dirname(REPO), "shared", "fixtures", "all-MiniLM-L6-v2")
    if os.path.exists(os.path.join(shared, "golden.json")):
        out.append(("all-MiniLM-L6-v2", shared))
    else:
        print("skipping all-MiniLM-L6-v2: ../shared/fixtures not found")
    return out


def run(args, stdin=None):
    return subprocess.run([BIN] + args, capture_output=True, text=True, input=stdin, timeout=600)


def write_jsonl(texts):
    f = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8")
    for t in texts:
        f.write(json.dumps(t) + "\n")
    f.close()
    return f.name


passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


for name, folder in fixtures():
    golden = json.load(open(os.path.join(folder, "golden.json"), encoding="utf-8"))
    for label, cases, extra in [("cases", golden["cases"], []), ("short_max_len", golden["short_max_len"], ["--max-length", "16"])]:
        path = write_jsonl([c["text"] for c in cases])
        tok = run(["tokenize", "--model", folder, "--input", path] + extra)
        check(tok.returncode == 0, f"{name} tokenize exit {tok.returncode}: {tok.stderr.strip()[:300]}")
        if tok.returncode == 0:
            lines = tok.stdout.splitlines()
            check(len(lines) == len(cases), f"{name} tokenize: {len(lines)} lines for {len(cases)} inputs")
            for c, line in zip(cases, lines):
                check(json.loads(line) == c["input_ids"], f"{name} {label} tokenize {c['text'][:40]!r}")
        emb = run(["embed", "--model", folder, "--input", path] + extra)
        check(emb.returncode == 0, f"{name} embed exit {emb.returncode}: {emb.stderr.strip()[:300]}")
        if emb.returncode == 0:
            lines = emb.stdout.splitlines()
            check(len(lines) == len(cases), f"{name} embed: {len(lines)} lines for {len(cases)} inputs")
            worst = 0.0
            for c, line in zip(cases, lines):
                v = json.loads(line)
                d = max(abs(a - b) for a, b in zip(v, c["embedding"])) if len(v) == len(c["embedding"]) else float("inf")
                worst = max(worst, d)
                check(d <= TOL, f"{name} {label} embed {c['text'][:40]!r}: |d|={d}")
            print(f"{name} {label}: {len(cases)} texts, worst |d| = {worst:.3g}")
        os.unlink(path)
    for m in golden.get("matryoshka", []):
        path = write_jsonl([c["text"] for c in m["cases"]])
        emb = run(["embed", "--model", folder, "--input", path, "--dimensions", str(m["dimensions"]), "--normalize"])
        check(emb.returncode == 0, f"{name} matryoshka exit {emb.returncode}")
        # The stored vectors are full-length and normalized (see EmbeddingModelGoldenTests): the
        # Matryoshka reference is their k-prefix, renormalized.
        for c, line in zip(m["cases"], emb.stdout.splitlines()):
            v = json.loads(line)
            prefix = c["embedding"][: m["dimensions"]]
            n = sum(x * x for x in prefix) ** 0.5
            expected = [x / n for x in prefix]
            check(len(v) == m["dimensions"] and max(abs(a - b) for a, b in zip(v, expected)) <= TOL,
                  f"{name} matryoshka k={m['dimensions']} {c['text'][:30]!r}")
        os.unlink(path)

# `embedkit rerank`: one {"index", "score"} line per document in input order; --top-n the best first;
# --raw-scores the logits; all within 1e-4 of sentence-transformers' CrossEncoder.predict.
reranker = os.path.join(REPO, "Tests/Fixtures/reranker-tiny")
rg = json.load(open(os.path.join(reranker, "golden.json"), encoding="utf-8"))
query = rg["cases"][0]["query"]
same_query = [c for c in rg["cases"] if c["query"] == query]
path = write_jsonl([c["document"] for c in same_query])
for extra, key in [([], "score"), (["--raw-scores"], "logit")]:
    r = run(["rerank", "--model", reranker, "--query", query, "--input", path] + extra)
    rows = [json.loads(line) for line in r.stdout.splitlines()] if r.returncode == 0 else []
    check(r.returncode == 0 and [x["index"] for x in rows] == list(range(len(same_query))),
          f"rerank {extra}: exit {r.returncode} {r.stderr.strip()[:200]}")
    for x in rows:
        check(abs(x["score"] - same_query[x["index"]][key]) <= TOL, f"rerank {extra} document {x['index']}: {x['score']}")
r = run(["rerank", "--model", reranker, "--query", query, "--input", path, "--top-n", "1"])
best = max(range(len(same_query)), key=lambda i: same_query[i]["score"])
check(r.returncode == 0 and [json.loads(line)["index"] for line in r.stdout.splitlines()] == [best], f"rerank --top-n 1: {r.stdout}")
os.unlink(path)
# --best-chunk: a long document scored by its best window (HF's only_second overflow windows, transformers' logits).
for d in rg["long_documents"]:
    r = run(["rerank", "--model", reranker, "--query", d["query"], "--best-chunk", d["document"]])
    rows = [json.loads(line) for line in r.stdout.splitlines()] if r.returncode == 0 else []
    check(len(rows) == 1 and abs(rows[0]["score"] - d["score"]) <= TOL,
          f"rerank --best-chunk {d['document'][:30]!r}: {r.stdout.strip()} vs {d['score']} {r.stderr.strip()[:200]}")
print(f"reranker-tiny: {len(same_query)} documents and {len(rg['long_documents'])} long ones through embedkit rerank")
# `embedkit sparse`: one {"indices", "values"} line per input, indices ascending, within 1e-4 of
# sentence-transformers' SparseEncoder.encode (an index only one side has must weigh under 1e-4).
splade = os.path.join(REPO, "Tests/Fixtures/splade-tiny")
sg = json.load(open(os.path.join(splade, "golden.json"), encoding="utf-8"))
path = write_jsonl([c["text"] for c in sg["cases"]])
for extra, rows in [([], sg["cases"]), (["--max-active-dims", "8"], sg["max_active_dims"]["cases"])]:
    r = run(["sparse", "--model", splade, "--input", path] + extra)
    got = [json.loads(line) for line in r.stdout.splitlines()] if r.returncode == 0 else []
    check(len(got) == len(rows), f"sparse {extra}: exit {r.returncode} {r.stderr.strip()[:200]}")
    for g, want in zip(got, rows):
        have, ref = dict(zip(g["indices"], g["values"])), dict(zip(want["indices"], want["values"]))
        check(g["indices"] == sorted(g["indices"]), f"sparse {extra}: indices not ascending")
        diff = max([abs(have.get(i, 0) - ref.get(i, 0)) for i in set(have) | set(ref)] or [0])
        edge = all(max(have.get(i, 0), ref.get(i, 0)) < 1e-4 for i in set(have) ^ set(ref))
        check(diff <= TOL and edge, f"sparse {extra}: max |diff| {diff}")
os.unlink(path)
print(f"splade-tiny: {len(sg['cases'])} texts through embedkit sparse")

# `embedkit m3`: bge-m3's three outputs against FlagEmbedding's BGEM3FlagModel.encode.
m3 = os.path.join(REPO, "Tests/Fixtures/bge-m3-tiny")
mg = json.load(open(os.path.join(m3, "golden.json"), encoding="utf-8"))
path = write_jsonl([c["text"] for c in mg["cases"]])
r = run(["m3", "--model", m3, "--input", path])
got = [json.loads(line) for line in r.stdout.splitlines()] if r.returncode == 0 else []
check(len(got) == len(mg["cases"]), f"m3: exit {r.returncode} {r.stderr.strip()[:200]}")
for g, c in zip(got, mg["cases"]):
    check(max(abs(a - b) for a, b in zip(g["dense"], c["dense"])) <= TOL, f"m3 dense {c['text'][:20]!r}")
    have, want = dict(zip(g["sparse"]["indices"], g["sparse"]["values"])), {int(k): v for k, v in c["sparse"].items()}
    check(set(have) == set(want) and all(abs(have[k] - want[k]) <= TOL for k in want), f"m3 sparse {c['text'][:20]!r}")
    check(len(g["colbert"]) == len(c["colbert"]) and all(abs(a - b) <= TOL for u, v in zip(g["colbert"], c["colbert"]) for a, b in zip(u, v)),
          f"m3 colbert {c['text'][:20]!r}")
os.unlink(path)
print(f"bge-m3-tiny: {len(mg['cases'])} texts through embedkit m3")

# `embedkit info` names each kind of model and what a forward pass of it gives.
for name, kind, outputs in [("reranker-tiny", "reranker", ["pooled"]), ("xlmr-reranker-tiny", "reranker", ["pooled"]),
                            ("splade-tiny", "sparse", ["sparse"]), ("bge-m3-tiny", "embedding", ["pooled", "sparse", "multi_vector"]),
                            ("mpnet-tiny", "embedding", ["pooled", "tokens"]), ("nomic-tiny", "embedding", ["pooled", "tokens"]),
                            ("modernbert-tiny", "embedding", ["pooled", "tokens"]),
                            ("qwen3-tiny", "embedding", ["pooled", "tokens"])]:
    r = run(["info", "--model", os.path.join(REPO, "Tests/Fixtures", name)])
    info = json.loads(r.stdout) if r.returncode == 0 else {}
    check(info.get("kind") == kind and info.get("outputs") == outputs and info.get("family"),
          f"info {name}: {r.stdout.strip()[:200]} {r.stderr.strip()[:200]}")

# mteb's reranking task scored by the cross-encoder: MAP and MRR@10 as mteb 1.1.1 computes them.
path = write_jsonl(rg["reranking"]["samples"])
r = run(["eval", "reranking", "--cross-encoder", "--model", reranker, "--data", path])
scores = json.loads(r.stdout) if r.returncode == 0 else {}
for key in ["map", "mrr"]:
    check(abs(scores.get(key, float("nan")) - rg["reranking"][key]) <= 1e-9,
          f"eval reranking --cross-encoder {key}: {scores.get(key)} vs {rg['reranking'][key]} ({r.stderr.strip()[-200:]})")
os.unlink(path)

# Bad input: one line on stderr, non-zero exit, never a crash.
tiny = os.path.join(REPO, "Tests/Fixtures/dmeta-tiny")
bad_utf8 = tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False)
bad_utf8.write(b'"ok"\n"\xff\xfe broken"\n')
bad_utf8.close()
not_json = write_jsonl([])
with open(not_json, "w") as f:
    f.write("plain text, not a JSON string\n")
for args, what in [
    (["embed", "--model", "/nonexistent/model", "x"], "missing model folder"),
    (["embed", "--model", tiny, "--input", "/nonexistent.jsonl"], "missing input file"),
    (["embed", "--model", tiny, "--input", bad_utf8.name], "invalid UTF-8"),
    (["embed", "--model", tiny, "--input", not_json], "line that is not a JSON string"),
    (["embed", "--model", tiny, "--dimensions", "0", "x"], "dimensions 0"),
    (["embed", "--model", tiny, "--prompt-name", "nope", "x"], "unknown prompt name"),
    (["tokenize", "--model", "/nonexistent/model", "x"], "tokenize: missing model"),
    (["rerank", "--model", tiny, "--query", "q", "doc"], "rerank with an embedding model"),
    (["embed", "--model", reranker, "x"], "embed with a cross-encoder"),
    (["rerank", "--model", reranker, "--query", "q"], "rerank without documents"),
]:
    r = run(args)
    err = r.stderr.strip().splitlines()
    check(r.returncode not in (0,) and r.returncode > 0 and len(err) >= 1 and "Fatal error" not in r.stderr,
          f"{what}: exit {r.returncode}, stderr {r.stderr.strip()[:200]!r}")
# Empty and whitespace strings embed as [CLS][SEP], like sentence-transformers.
r = run(["embed", "--model", tiny, "", "   "])
check(r.returncode == 0 and len(r.stdout.splitlines()) == 2, f"empty inputs: {r.returncode} {r.stderr.strip()[:200]}")

print(f"cli_goldens: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
