/// `GET /docs`: a page that lists the routes of `/openapi.json` with their request and response schemas,
/// and sends a request to any of them. Self-contained (no CDN, no external script), so it works offline.
enum DocsPage {
    static let html = #"""
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><title>EmbedKit API</title>
    <style>
    body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#222}
    details{border:1px solid #ccc;border-radius:6px;margin:.5em 0;padding:.4em .8em}
    summary{cursor:pointer}.m{display:inline-block;min-width:4em;font-weight:600}
    pre,textarea{font:13px ui-monospace,monospace;background:#f6f6f6;padding:.6em;overflow:auto;width:100%;box-sizing:border-box}
    </style></head><body>
    <h1>EmbedKit API</h1><p id="about">Loading <a href="/openapi.json">/openapi.json</a>…</p><div id="routes"></div>
    <script>
    "use strict";
    const el = (tag, text) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; };
    const show = v => JSON.stringify(v, null, 2);
    fetch("/openapi.json").then(r => r.json()).then(doc => {
      document.getElementById("about").textContent = doc.info.title + " " + doc.info.version + ": " + doc.info.description;
      const routes = document.getElementById("routes");
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          const box = el("details"), head = el("summary");
          const m = el("span", method.toUpperCase()); m.className = "m";
          head.append(m, el("code", path), " — " + op.summary); box.append(head);
          const body = op.requestBody && op.requestBody.content["application/json"].schema;
          if (body) { box.append(el("h4", "Request body"), el("pre", show(body))); }
          const ok = op.responses["200"].content; box.append(el("h4", "Response"), el("pre", show(ok)));
          const send = el("button", "Send"), input = el("textarea"), out = el("pre");
          if (body) { input.rows = 4; input.value = '{"' + (body.required || ["inputs"])[0] + '": "some text"}'; box.append(input); }
          send.onclick = async () => {
            const init = { method: method.toUpperCase(), headers: { "content-type": "application/json" } };
            if (body) init.body = input.value;
            const r = await fetch(path, init), text = await r.text();
            try { out.textContent = r.status + "\n" + show(JSON.parse(text)); } catch { out.textContent = r.status + "\n" + text; }
          };
          box.append(send, out); routes.append(box);
        }
      }
    }).catch(e => { document.getElementById("about").textContent = "Could not read /openapi.json: " + e; });
    </script></body></html>
    """#
}
