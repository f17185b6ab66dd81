#!/usr/bin/env python3
"""Summarise the raw runs of run.sh into results.json and results.md (model x workload -> both engines).

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cases", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--reps", type=int, required=True)
    ap.add_argument("--commit", default="unknown")
    a = ap.parse_args()
    rows = []
    for c in a.cases.split():
        model, workload, _file, count = c.split(":")
        row = {"model": model, "workload": workload, "count": int(count)}
        for engine in ("embedkit", "pytorch"):
            runs = [r for r in (read_run(a.raw, f"{model}.{workload}.{engine}.{rep}") for rep in range(1, a.reps + 1)) if r]
            row[engine] = summarise(runs)
            row[engine]["all_tokens_per_s"] = [round(r["tokens_per_s"], 1) for r in runs if "tokens_per_s" in r]
        e, p = row["embedkit"].get("best_tokens_per_s"), row["pytorch"].get("best_tokens_per_s")
        row["ratio"] = e / p if e and p else None
        rows.append(row)
    meta = {"commit": a.commit, "threads": a.threads, "reps": a.reps, "nproc": os.cpu_count(),
            "load_average": os.getloadavg()}
    json.dump({"meta": meta, "rows": rows}, open(os.path.join(a.out, "results.json"), "w"), indent=1)

    lines = [f"Commit `{a.commit}`; {a.threads} threads per engine; best of {a.reps} interleaved runs; "
             f"load average at the end {meta['load_average'][0]:.1f} on {meta['nproc']} cores.", "",
             "| model | workload | texts | tokens | EmbedKit tok/s | PyTorch tok/s | EmbedKit / PyTorch | "
             "spread EK / PT | peak RSS EK | peak RSS PT |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        e, p = r["embedkit"], r["pytorch"]
        texts = e.get("texts", p.get("texts"))
        tokens = e.get("tokens", p.get("tokens"))
        cell = lambda s: fmt(s.get("best_tokens_per_s")) if s.get("ok") else ("failed" if s.get("runs") else "not run")
        lines.append(
            f"| {r['model']} | {r['workload']} | {fmt(texts, 'd')} | {fmt(tokens, 'd')} | {cell(e)} | {cell(p)} | "
            f"{fmt(r['ratio'], '.2f')} | {pct(e)} / {pct(p)} | {mb(e)} | {mb(p)} |")
    errors = [(r["model"], r["workload"], eng, err) for r in rows for eng in ("embedkit", "pytorch")
              for err in r[eng].get("errors", [])]
    if errors:
        lines += ["", "Failures:"] + [f"- {m} {w} {eng}: `{err}`" for m, w, eng, err in errors]
    text = "\n".join(lines) + "\n"
    open(os.path.join(a.out, "results.md"), "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
