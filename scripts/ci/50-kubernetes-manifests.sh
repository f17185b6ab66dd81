#!/usr/bin/env bash
# deploy/kubernetes: the built-in kinds against the Kubernetes schemas (kubernetes-validate, strict), the
# KEDA ScaledObject by structure, and every flag and EMBEDKIT_* variable the Deployment uses against
# `embedkit serve --help`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir="$repo/deploy/kubernetes"
command -v kubernetes-validate >/dev/null || python3 -m pip install -q --disable-pip-version-check "kubernetes-validate==1.37.0"
kubernetes-validate --strict --quiet "$dir/deployment.yaml" "$dir/service.yaml" "$dir/hpa.yaml" "$dir/prometheus-adapter-rules.yaml"
"$EMBEDKIT" serve --help >/tmp/embedkit-serve-help.txt
python3 - "$dir" /tmp/embedkit-serve-help.txt <<'PY'
import sys, yaml
d, help_text = sys.argv[1], open(sys.argv[2]).read()
load = lambda f: yaml.safe_load(open(f"{d}/{f}"))
dep, svc, hpa, keda = load("deployment.yaml"), load("service.yaml"), load("hpa.yaml"), load("keda-scaledobject.yaml")
labels = dep["spec"]["template"]["metadata"]["labels"]
errors = []
def need(cond, what):
    if not cond: errors.append(what)
need(all(labels.get(k) == v for k, v in svc["spec"]["selector"].items()), "Service selector does not match the pod labels")
need(dep["spec"]["selector"]["matchLabels"].items() <= labels.items(), "Deployment selector does not match its pod labels")
c = dep["spec"]["template"]["spec"]["containers"][0]
need(c["readinessProbe"]["httpGet"]["path"] == "/health", "readiness must probe /health")
need("httpGet" not in c["livenessProbe"], "liveness must not depend on /health (503 while loading)")
env = {e["name"]: e["value"] for e in c["env"]}
need(str(c["resources"]["requests"]["cpu"]) == env.get("EMBEDKIT_THREADS"), "cpu request must equal EMBEDKIT_THREADS")
for arg in c["args"][1:]:
    if arg.startswith("--"): need(arg in help_text, f"embedkit serve has no {arg}")
for name in env:
    if name.startswith("EMBEDKIT_"): need(name in help_text, f"embedkit serve does not read {name}")
for ref in (hpa["spec"]["scaleTargetRef"], keda["spec"]["scaleTargetRef"]):
    need(ref["name"] == dep["metadata"]["name"], "a scaler targets another Deployment")
need(hpa["spec"]["metrics"][0]["pods"]["metric"]["name"] == "embedkit_queue_tokens", "HPA must scale on embedkit_queue_tokens")
need(keda["apiVersion"] == "keda.sh/v1alpha1" and keda["kind"] == "ScaledObject", "KEDA object kind")
t = keda["spec"]["triggers"][0]
need(t["type"] == "prometheus" and "embedkit_queue_tokens" in t["metadata"]["query"] and float(t["metadata"]["threshold"]) > 0,
     "KEDA trigger must be a Prometheus query on embedkit_queue_tokens with a threshold")
if errors:
    print("kubernetes manifests:", *errors, sep="\n  "); sys.exit(1)
print("kubernetes manifests: schemas valid (strict), KEDA object, flags and variables consistent with embedkit serve")
PY
