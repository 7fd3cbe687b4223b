// CORS playground: runs a real fetch() from this page's origin and shows what JavaScript sees.
//
// Tests (and curious learners) can drive it without the form:
//   await window.corslab.run({url, method, headers: [[name, value], ...], credentials, mode, body, cache})
//   -> {ok, status, type, headers: [[name, value], ...], body, error}
// The last result is also written, as JSON, to #result[data-corslab-result].
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  // ---- the request -------------------------------------------------------------------------

  function parseHeaderLines(text) {
    // "Name: value" per line; blank lines are skipped. A line without ":" is an error the learner can fix.
    const headers = [];
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (!line) continue;
      const colon = line.indexOf(":");
      if (colon <= 0) throw new Error(`Header line "${line}" needs the form "Name: value".`);
      headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
    return headers;
  }

  async function run({url, method = "GET", headers = [], credentials = "same-origin", mode = "cors", body = null,
                      cache = "default"}) {
    // cache: fetch()'s cache mode. Besides the HTTP cache it decides the preflight cache too: with
    // "no-store", "reload" or "no-cache" Chromium sends the preflight every time.
    const init = {method, headers, credentials, mode, cache};
    if (body !== null && body !== undefined && body !== "") init.body = body;
    let result;
    try {
      const response = await fetch(url, init);
      const text = await response.text();
      result = {
        ok: response.ok,
        status: response.status,
        type: response.type, // "basic", "cors" or "opaque" (no-cors): what the browser let through
        headers: [...response.headers.entries()], // only the readable ones: safelisted + exposed
        body: text,
        error: null,
      };
    } catch (err) {
      // A CORS failure reaches JavaScript as a bare TypeError; the reason is only in the console.
      result = {ok: false, status: null, type: null, headers: [], body: null, error: `${err.name}: ${err.message}`};
    }
    show(result, {url, method, credentials, mode});
    return result;
  }

  // ---- showing the result ------------------------------------------------------------------

  function el(tag, text, attrs = {}) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }

  function pretty(text) {
    // JSON bodies (the API's, the echo's) are easier to read indented; anything else as it came.
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch (err) {
      return text;
    }
  }

  function show(result, request) {
    const box = $("result");
    box.replaceChildren();
    box.dataset.corslabResult = JSON.stringify(result);
    box.dataset.state = result.error ? "error" : "ok";
    box.dataset.runs = String(Number(box.dataset.runs || 0) + 1);

    box.append(el("p", `${request.method} ${request.url} (credentials: ${request.credentials}, mode: ${request.mode})`, {class: "muted"}));
    if (result.error && request.notSent) {
      box.append(el("p", "Not sent: fix the form first.", {class: "verdict"}));
      box.append(el("pre", result.error, {"data-field": "error"}));
      return;
    }
    if (result.error) {
      box.append(el("p", "Blocked, or the network failed: JavaScript got an error, not a response.", {class: "verdict"}));
      box.append(el("pre", result.error, {"data-field": "error"}));
      box.append(el("p",
        "The reason is not available to JavaScript. Open DevTools (F12) and read the Console: " +
        "Chromium says why, after \"has been blocked by CORS policy:\".", {class: "hint"}));
      return;
    }
    if (result.type === "opaque") {
      box.append(el("p", "Opaque response (mode no-cors): the request went out, but JavaScript may read nothing - status 0, no headers, empty body.", {class: "verdict"}));
    } else {
      box.append(el("p", `Readable response: status ${result.status}`, {class: "verdict", "data-field": "status"}));
    }

    box.append(el("h3", "Headers JavaScript can read (response.headers)"));
    if (result.headers.length) {
      const table = el("table", undefined, {"data-field": "headers"});
      const head = el("tr");
      head.append(el("th", "name", {scope: "col"}), el("th", "value", {scope: "col"}));
      table.append(head);
      for (const [name, value] of result.headers) {
        const row = el("tr");
        row.append(el("td", name), el("td", value));
        table.append(row);
      }
      box.append(table);
    } else {
      box.append(el("p", "(none)", {class: "muted", "data-field": "headers"}));
    }
    box.append(el("p",
      "Only CORS-safelisted headers (Content-Type, Content-Length, Cache-Control, ...) and the ones the server " +
      "lists in Access-Control-Expose-Headers appear here; DevTools' Network tab shows them all.", {class: "hint"}));

    box.append(el("h3", "Body"));
    box.append(el("pre", pretty(result.body) || "(empty)", {"data-field": "body"}));
  }

  // ---- the form ----------------------------------------------------------------------------

  async function onSubmit(event) {
    event.preventDefault();
    const button = $("send");
    let headers;
    try {
      headers = parseHeaderLines($("headers").value);
    } catch (err) {
      show({ok: false, status: null, type: null, headers: [], body: null, error: err.message},
           {url: $("url").value, method: $("method").value, credentials: $("credentials").value,
            mode: $("mode").value, notSent: true});
      return;
    }
    button.disabled = true;
    try {
      await run({
        url: $("url").value.trim(),
        method: $("method").value.trim() || "GET",
        headers,
        credentials: $("credentials").value,
        mode: $("mode").value,
        body: $("body").value,
        cache: $("cache").value,
      });
    } finally {
      button.disabled = false;
    }
  }

  // ---- targets: read from this page's server, never typed in here -------------------------

  function defaultPath(service) {
    if (service.name === "echo") return "/demo?acao={origin}&aceh=X-Request-Id";
    if (/^(frontend|admin|untrusted)$/.test(service.name)) return "/";
    return "/v1/users";
  }

  async function loadTargets() {
    const select = $("target");
    let services = [];
    try {
      const response = await fetch("/_lab/topology.json", {cache: "no-store"});
      // {"services": [{"name", "origin", "method", "role", ...}], ...} from servers/pages.py
      if (response.ok) services = (await response.json()).services || [];
    } catch (err) {
      // No topology: "any URL" still works.
    }
    for (const s of services) {
      const label = `${s.name}${s.method ? ` (method ${s.method})` : ""} - ${s.origin}${s.role ? ` - ${s.role}` : ""}`;
      select.append(el("option", label, {value: s.origin + defaultPath(s), "data-service": s.name}));
    }
    listHint = services.length
      ? `${services.length} services of the lab stack, read from this origin's /_lab/topology.json.`
      : "The lab's service list is not available here; type any URL.";
    select.dispatchEvent(new Event("change"));
  }

  let listHint = "";
  const ECHO_HINT = "The echo answers with the headers its query string asks for: acao, acac, acam, acah, aceh, " +
    "acma (repeat one to send it twice), hdr=Name:value, status, preflight_status, redirect=URL, " +
    "pf_acao... for the preflight only. {origin} stands for your Origin.";

  function onTargetChange() {
    const option = $("target").selectedOptions[0];
    if (option && option.value) $("url").value = option.value;
    $("target-hint").textContent = option && option.dataset.service === "echo" ? ECHO_HINT : listHint;
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("page-origin").textContent = window.location.origin;
    $("request-form").addEventListener("submit", onSubmit);
    $("target").addEventListener("change", onTargetChange);
    window.corslab.ready = loadTargets();
  });

  window.corslab = {run, parseHeaderLines};
})();
