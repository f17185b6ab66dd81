#!/usr/bin/env python3
"""The server's OpenAPI contract: `/openapi.json` (and TEI's `/api-doc/openapi.json`) validated as an
OpenAPI 3.1 document by openapi-spec-validator, then schemathesis against a live `embedkit serve` on
loopback: generated requests for every operation, with bounded examples; no 5xx and every response
conforming to its schema, status code and content type.

    pip install schemathesis==4.32.5 openapi-spec-validator==0.9.0
    python3 scripts/api_contract_test.py [--model Tests/Fixtures/dmeta-tiny] [--embedkit PATH] [--max-examples 100]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

from serve_util import REPO, Server, embedkit_binary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(REPO, "Tests", "Fixtures", "dmeta-tiny"))
    ap.add_argument("--embedkit", default=None)
    ap.add_argument("--max-examples", type=int, default=100)
    a = ap.parse_args()
    binary = a.embedkit or embedkit_binary()
    with Server(binary, a.model, log_path="/tmp/embedkit-contract-serve.log") as server:
        server.wait_healthy()
        docs = []
        for path in ("/openapi.json", "/api-doc/openapi.json"):
            with urllib.request.urlopen(server.base + path, timeout=10) as r:
                docs.append(r.read())
        if docs[0] != docs[1]:
            sys.exit("/openapi.json and /api-doc/openapi.json differ")
        document = json.loads(docs[0])

        from openapi_spec_validator import validate
        validate(document)
        operations = sum(len(v) for v in document["paths"].values())
        print(f"openapi-spec-validator: OpenAPI {document['openapi']} document valid, "
              f"{len(document['paths'])} paths, {operations} operations")

        st = os.path.join(os.path.dirname(sys.executable), "schemathesis")
        # Every check but positive_data_acceptance: a schema cannot say which token ids are in the
        # vocabulary or which prompt names a model has, so a schema-valid request may rightly get a 4xx.
        cmd = [st, "run", server.base + "/openapi.json", "--checks", "all", "--exclude-checks", "positive_data_acceptance",
               "--output-sanitize", "false",
               "--max-examples", str(a.max_examples), "--phases", "examples,coverage,fuzzing",
               "--request-timeout", "30", "--seed", "1", "--no-color"]
        print("+", " ".join(cmd[1:]), flush=True)
        # schemathesis keeps a cache in .schemathesis/ under its working directory: run it in /tmp.
        status = subprocess.run(cmd, cwd=tempfile.gettempdir(), env={**os.environ, "SCHEMATHESIS_HOOKS": ""}).returncode
        if status != 0:
            sys.exit(f"schemathesis found failures (exit {status}); server log: /tmp/embedkit-contract-serve.log")
    print("API contract: OK")


if __name__ == "__main__":
    main()
