#!/usr/bin/env python3
"""Summarise the raw runs of run.sh into results.json and results.md (model x workload -> every engine).

For each engine and case: best and worst tokens/s over the repetitions (the spread is the noise of a shared
machine), peak RSS (max over repetitions, from /usr/bin/time -v), and the ratio of best tokens/s.
"""
import argparse
import json
import os
import re


def read_run(raw, rid):
    out = {"id": rid}
    try:
        out["rc"] = int(open(os.path.join(raw, rid + ".rc")).read().strip())
    except (OSError, ValueError):
        return None
    try:
        line = open(os.path.join(raw, rid + ".json")).read().strip().splitlines()[-1]
        out.update(json.loads(line))
    except (OSError, IndexError, ValueError):
        pass
    try:
        t = open(os.path.join(raw, rid + ".time")).read()
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)
        if m:
            out["peak_rss_mb"] = int(m.group(1)) / 1024
        m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t)
        if m:
            parts = [float(p) for p in m.group(1).split(":")]
            out["wall_s"] = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    except OSError:
        pass
    if out["rc"] != 0:
        try:
            out["error"] = open(os.path.join(raw, rid + ".err")).read().strip().splitlines()[-1][:200]
        except (OSError, IndexError):
            out["error"] = f"exit {out['rc']}"
    return out


def summarise(runs):
    ok = [r for r in runs if r.get("rc") == 0 and "tokens_per_s" in r]
    s = {"runs": len(runs), "ok": len(ok)}
    if ok:
        tps = [r["tokens_per_s"] for r in ok]
        s.update(best_tokens_per_s=max(tps), worst_tokens_per_s=min(tps),
                 spread_pct=100 * (max(tps) - min(tps)) / max(tps), texts=ok[0]["texts"], tokens=ok[0]["tokens"])
    rss = [r["peak_rss_mb"] for r in runs if "peak_rss_mb" in r and r.get("rc") == 0]
    if rss:
        s["peak_rss_mb"] = max(rss)
    errs = sorted({r.get("error", "") for r in runs if r.get("rc") != 0})
    if errs:
        s["errors"] = errs
    return s


def pct(s):
    return fmt(s.get("spread_pct"), ".0f") + "%" if s.get("ok", 0) > 1 else "—"


def mb(s):
    return fmt(s.get("peak_rss_mb"), ".0f") + " MB" if "peak_rss_mb" in s else "—"


def fmt(x, spec=".0f", none="—"):
    return none if x is None else format(x, spec)


PEERS_REDUCED = ("ort-int8", "ov-bf16")   # the peers' reduced-precision paths (issue #12's bar)
PEERS = ("pytorch", "ort-fp32", "ort-int8", "ov-fp32", "ov-bf16")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cases", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--reps", type=int, required=True)
    ap.add_argument("--engines", default="embedkit-fp32 embedkit-bf16 embedkit-int8 pytorch ort-fp32 ort-int8 ov-fp32 ov-bf16")
    ap.add_argument("--commit", default="unknown")
    a = ap.parse_args()
    engines = a.engines.split()
    ours = [e for e in engines if e.startswith("embedkit")]
    rows = []
    for c in a.cases.split():
        model, workload, _file, batch, count = c.split(":")
        row = {"model": model, "workload": workload, "count": int(count), "batch": int(batch)}
        for engine in engines:
            runs = [r for r in (read_run(a.raw, f"{model}.{workload}.{engine}.{rep}") for rep in range(1, a.reps + 1)) if r]
            row[engine] = summarise(runs)
            row[engine]["all_tokens_per_s"] = [round(r["tokens_per_s"], 1) for r in runs if "tokens_per_s" in r]
        best = lambda names: max(((row[e].get("best_tokens_per_s") or 0, e) for e in names if e in row), default=(0, None))
        row["best_embedkit"] = best(ours)
        row["best_reduced_peer"] = best(PEERS_REDUCED)
        row["best_peer"] = best(PEERS)
        (e, _), (p, _) = row["best_embedkit"], row["best_reduced_peer"]
        row["ratio_to_reduced_peer"] = e / p if e and p else None
        (q, _) = row["best_peer"]
        row["ratio_to_best_peer"] = e / q if e and q else None
        rows.append(row)
    meta = {"commit": a.commit, "threads": a.threads, "reps": a.reps, "nproc": os.cpu_count(),
            "load_average": os.getloadavg(), "engines": engines}
    json.dump({"meta": meta, "rows": rows}, open(os.path.join(a.out, "results.json"), "w"), indent=1)

    cell = lambda s: (fmt(s.get("best_tokens_per_s")) + (f" ±{pct(s)}" if s.get("ok", 0) > 1 else "")) if s.get("ok") \
        else ("failed" if s.get("runs") else "not run")
    lines = [f"Commit `{a.commit}`; {a.threads} threads per engine; tokens/s, best of {a.reps} interleaved runs "
             f"(± the spread between runs); load average at the end {meta['load_average'][0]:.1f} on {meta['nproc']} cores.", "",
             "| model | workload | texts | batch | " + " | ".join(engines) + " | EmbedKit best / best of ort-int8, ov-bf16 | EmbedKit best / best peer |",
             "|---|---|---:|---:|" + "---:|" * len(engines) + "---:|---:|"]
    for r in rows:
        texts = next((r[e].get("texts") for e in engines if r[e].get("texts")), None)
        lines.append(f"| {r['model']} | {r['workload']} | {fmt(texts, 'd')} | {r['batch']} | "
                     + " | ".join(cell(r[e]) for e in engines)
                     + f" | {fmt(r['ratio_to_reduced_peer'], '.2f')} | {fmt(r['ratio_to_best_peer'], '.2f')} |")
    lines += ["", "Peak RSS (MB, /usr/bin/time -v, whole process):", "",
              "| model | workload | " + " | ".join(engines) + " |", "|---|---|" + "---:|" * len(engines)]
    for r in rows:
        lines.append(f"| {r['model']} | {r['workload']} | " + " | ".join(mb(r[e]) for e in engines) + " |")
    errors = [(r["model"], r["workload"], eng, err) for r in rows for eng in engines for err in r[eng].get("errors", [])]
    if errors:
        lines += ["", "Failures:"] + [f"- {m} {w} {eng}: `{err}`" for m, w, eng, err in errors]
    text = "\n".join(lines) + "\n"
    open(os.path.join(a.out, "results.md"), "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
