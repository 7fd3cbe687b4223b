// CORS playground: runs a real fetch() from this page's origin and shows what JavaScript sees.
//
// Tests (and curious learners) can drive it without the form:
//   await window.corslab.run({url, method, headers: [[name, value], ...], credentials, mode, body, cache,
//                             api: "fetch"|"xhr", bodyKind, blobType, uploadListener, referrer, referrerPolicy})
//   -> {ok, status, statusText, type, headers: [[name, value], ...], body, error}
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

  function makeBody(body, bodyKind, blobType) {
    // The body as a page gives it (corslab's model.BODY_KINDS): the browser derives Content-Type from it.
    if (body === null || body === undefined) return null;
    if (bodyKind === "blob") return new Blob([body], blobType ? {type: blobType} : {});
    if (bodyKind === "formdata") { const form = new FormData(); form.append("field", body); return form; }
    if (bodyKind === "urlencoded") return new URLSearchParams({field: body});
    return body === "" ? null : body;
  }

  function runXhr({url, method, headers, credentials, body, uploadListener}) {
    // XMLHttpRequest: withCredentials is credentials "include". A network or CORS failure is an
    // "error" event; open()/setRequestHeader() may throw at once (SyntaxError, SecurityError).
    return new Promise((resolve) => {
      const failed = (err) => resolve({ok: false, status: null, type: null, headers: [], body: null,
                                       statusText: null, error: err});
      try {
        const xhr = new XMLHttpRequest();
        xhr.open(method, url);
        xhr.withCredentials = credentials === "include";
        for (const [name, value] of headers) xhr.setRequestHeader(name, value);
        if (uploadListener) xhr.upload.addEventListener("progress", () => {});
        xhr.onload = () => resolve({
          ok: xhr.status >= 200 && xhr.status < 300, status: xhr.status, statusText: xhr.statusText,
          type: new URL(xhr.responseURL || url, location.href).origin === location.origin ? "basic" : "cors",
          headers: xhr.getAllResponseHeaders().trim().split(/\r\n/).filter(Boolean)
            .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trim()]),
          body: xhr.responseText, error: null,
        });
        xhr.onerror = () => failed(XHR_NETWORK_ERROR);
        xhr.send(body);
      } catch (err) {
        failed(`${err.name}: ${err.message}`);
      }
    });
  }
  const XHR_NETWORK_ERROR = "NetworkError: the XMLHttpRequest failed (its error event)";

  async function run({url, method = "GET", headers = [], credentials = "same-origin", mode = "cors", body = null,
                      cache = "default", api = "fetch", bodyKind = "string", blobType = "",
                      uploadListener = false, referrer = null, referrerPolicy = ""}) {
    // cache: fetch()'s cache mode. Besides the HTTP cache it decides the preflight cache too: with
    // "no-store", "reload" or "no-cache" Chromium sends the preflight every time.
    // api "xhr" runs an XMLHttpRequest instead; bodyKind/blobType say what the body is; referrer
    // and referrerPolicy are fetch()'s options of those names.
    const payload = makeBody(body, bodyKind, blobType);
    let result;
    if (api === "xhr") {
      result = await runXhr({url, method, headers, credentials, body: payload, uploadListener});
    } else {
      const init = {method, headers, credentials, mode, cache};
      if (payload !== null) init.body = payload;
      if (referrer !== null) init.referrer = referrer;
      if (referrerPolicy) init.referrerPolicy = referrerPolicy;
      try {
        const response = await fetch(url, init);
        const text = await response.text();
        result = {
          ok: response.ok,
          status: response.status,
          statusText: response.statusText,
          type: response.type, // "basic", "cors" or "opaque" (no-cors): what the browser let through
          headers: [...response.headers.entries()], // only the readable ones: safelisted + exposed
          body: text,
          error: null,
        };
      } catch (err) {
        // A CORS failure reaches JavaScript as a bare TypeError; the reason is only in the console.
        result = {ok: false, status: null, statusText: null, type: null, headers: [], body: null,
                  error: `${err.name}: ${err.message}`};
      }
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

  // What happened, in one word; the page's colour follows it (a readable 405 is not a success).
  function outcomeOf(result, request) {
    if (result.error && request.notSent) return "not-sent"; // the form: nothing reached fetch()
    if (result.error && result.error !== "TypeError: Failed to fetch" && result.error !== XHR_NETWORK_ERROR) {
      return "refused"; // fetch() (or open()/setRequestHeader()) threw on its arguments
    }
    if (result.error) return "blocked"; // CORS, or the network: the reason is only in the console
    if (result.type === "opaque") return "opaque";
    return result.ok ? "allowed" : "http-error";
  }

  const VERDICTS = {
    "not-sent": "Not sent: fix the form first.",
    "refused": "Not sent: fetch() refused these arguments before any request went out. This is a " +
      "local error of the call, not a CORS block.",
    "blocked": "Blocked, or the network failed: JavaScript got an error, not a response.",
    "opaque": "Opaque response (mode no-cors): the request went out, but JavaScript may read " +
      "nothing - status 0, no headers, empty body.",
  };

  function show(result, request) {
    const box = $("result");
    box.replaceChildren();
    const outcome = outcomeOf(result, request);
    box.dataset.corslabResult = JSON.stringify(result);
    box.dataset.state = result.error ? "error" : outcome === "allowed" || outcome === "opaque" ? "ok" : outcome;
    box.dataset.outcome = outcome;
    box.dataset.runs = String(Number(box.dataset.runs || 0) + 1);
    $("analysis").replaceChildren();

    box.append(el("p", `${request.method} ${request.url} (credentials: ${request.credentials}, mode: ${request.mode})`, {class: "muted"}));
    if (result.error) {
      box.append(el("p", VERDICTS[outcome], {class: "verdict"}));
      box.append(el("pre", result.error, {"data-field": "error"}));
      if (outcome === "blocked") {
        box.append(el("p",
          "The reason is not available to JavaScript. Open DevTools (F12) and read the Console: " +
          "Chromium says why, after \"has been blocked by CORS policy:\".", {class: "hint"}));
      } else if (outcome === "refused") {
        box.append(el("p", "fetch() throws a TypeError at once for arguments it cannot send " +
          "(a body with GET or HEAD, a forbidden method, a header value with a line break...): " +
          "no request, no preflight, no CORS check.", {class: "hint"}));
      }
      return outcome;
    }
    if (outcome === "opaque") {
      box.append(el("p", VERDICTS.opaque, {class: "verdict"}));
    } else if (outcome === "http-error") {
      box.append(el("p", `Readable response, but not a success: status ${result.status}`,
                    {class: "verdict", "data-field": "status"}));
      box.append(el("p", "CORS let JavaScript read the answer; the server itself refused the request " +
        "(4xx/5xx): check the method, the path and the body.", {class: "hint"}));
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
    return outcome;
  }

  // `Name: value` in the kit's explanations is code, shown as such (never raw backticks).
  function withCode(node, text) {
    text.split("`").forEach((part, i) => node.append(i % 2 ? el("code", part) : document.createTextNode(part)));
    return node;
  }

  // ---- beside the real outcome: what reached the app, and what the kit predicted ------------

  // The scenario as /_lab/predict takes it (corslab/probing/playground.py).
  function scenario(request) {
    return {
      url: request.url, method: request.method,
      headers: request.headers.map(([name, value]) => `${name}: ${value}`),
      credentials: request.credentials, mode: request.mode, body: request.body || null,
      cache: request.cache || "default",
    };
  }

  // post: a JSON body. /_lab/predict sends requests, so it answers only its own page's POST with
  // Content-Type: application/json (a type no form and no cross-origin page can send unasked).
  async function getJson(url, post) {
    const init = post === undefined ? {cache: "no-store"}
      : {method: "POST", cache: "no-store", headers: {"Content-Type": "application/json"}, body: JSON.stringify(post)};
    const response = await fetch(url, init);
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || `status ${response.status}`);
    return data;
  }

  // Which of this page's requests reached the backend behind the URL, from its own log.
  async function reachedBackend(request, since, until) {
    const {seen} = await getJson("/_lab/backends?" + new URLSearchParams({url: request.url}));
    if (!seen.length) return null; // not a service of the lab: there is no log to read
    const target = new URL(request.url);
    const path = target.pathname + target.search;
    const found = {preflight: false, request: false, logs: seen};
    for (const log of seen) {
      const {requests} = await getJson(log);
      for (const entry of requests) {
        const origin = (entry.headers.find(([n]) => n.toLowerCase() === "origin") || [])[1];
        if (entry.path !== path || entry.time < since - 0.05 || entry.time > until + 0.05) continue;
        if (origin !== window.location.origin) continue;
        if (entry.method === "OPTIONS" && request.method.toUpperCase() !== "OPTIONS") found.preflight = true;
        else if (entry.method === request.method.toUpperCase()) found.request = true;
      }
    }
    return found;
  }

  function predictionAgrees(outcome, p) {
    if (outcome === "allowed" || outcome === "http-error") return p.allowed;
    if (outcome === "opaque") return p.opaque;
    if (outcome === "blocked") return !p.allowed && !p.opaque && (p.kind === "cors" || p.kind === "network");
    if (outcome === "refused") return p.kind === "type-error" || p.kind === "fetch-api";
    return true;
  }

  async function analyse(request, outcome, since, until) {
    const box = $("analysis");
    box.replaceChildren(el("h2", "Beside the real outcome"));
    const pre = el("section", undefined, {"data-field": "preflight"});
    const kit = el("section", undefined, {"data-field": "prediction"});
    box.append(pre, kit);
    if (outcome === "not-sent") return;
    let reached = null;
    try {
      reached = await reachedBackend(request, since, until);
    } catch (err) {
      pre.append(el("p", `The backend's log could not be read: ${err.message}`, {class: "muted"}));
    }
    let p = null;
    try {
      p = await getJson("/_lab/predict", scenario(request)); // after the log: it sends requests too
    } catch (err) {
      kit.append(el("h3", "The kit's prediction"));
      kit.append(el("p", `No prediction: ${err.message}`, {class: "muted"}));
    }
    pre.append(el("h3", "Was there a preflight (사전 요청)?"));
    if (p) {
      pre.append(el("p", p.preflight_needed
        ? `Needed: ${p.preflight_reasons.join("; ")}.` : "Not needed: a simple request goes out directly."));
      if (p.preflight) {
        const lines = p.preflight.headers.map(([n, v]) => `${n}: ${v}`).join("\n") || "(no CORS headers)";
        pre.append(el("p", `What the preflight gets back (the kit sent the same OPTIONS; JavaScript never ` +
          `sees this answer): status ${p.preflight.status}${p.preflight.ok === false ? " - the browser's check fails here" : ""}`));
        pre.append(el("pre", lines, {"data-field": "preflight-answer"}));
      }
    }
    if (reached) {
      const where = reached.logs.map((u) => new URL(u).host).join(", ");
      pre.append(el("p", reached.preflight
        ? `Your browser's OPTIONS reached the backend (${where}).`
        : `No OPTIONS from this page reached the backend (${where}): none was sent (not needed, or ` +
          `served from the browser's preflight cache), or a proxy in front answered it.`,
        {"data-field": "preflight-seen"}));
      pre.append(el("p", reached.request
        ? `The actual ${request.method.toUpperCase()} reached the backend - even if JavaScript may not read the answer.`
        : `The actual ${request.method.toUpperCase()} never reached the backend.`, {"data-field": "request-seen"}));
    }
    if (!p) return;
    kit.append(el("h3", "The kit's prediction (corslab's browser model)"));
    const verdict = p.allowed ? "allowed" : p.opaque ? "opaque" : p.kind === "cors" ? "blocked by CORS"
      : p.kind === "type-error" || p.kind === "fetch-api" ? "refused before sending" : "failed";
    const agree = predictionAgrees(outcome, p);
    kit.dataset.agrees = String(agree);
    kit.append(el("p", `Predicted: ${verdict}${p.status !== null ? ` (status ${p.status})` : ""} - ` +
      (agree ? "the same as your browser." : "NOT what your browser did."), {class: agree ? "agree" : "disagree"}));
    if (p.stand_in) kit.append(el("p", `Safe by design: ${p.stand_in}.`, {class: "muted", "data-field": "stand-in"}));
    if (p.console) {
      kit.append(el("p", "Chromium's console line, as the kit predicts it (compare with DevTools' Console):", {class: "hint"}));
      kit.append(el("pre", p.console, {"data-field": "console"}));
    }
    kit.append(withCode(el("p", undefined, {class: "muted"}), p.explanation));
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
    const request = {
      url: $("url").value.trim(),
      method: $("method").value.trim() || "GET",
      headers,
      credentials: $("credentials").value,
      mode: $("mode").value,
      body: $("body").value,
      cache: $("cache").value,
    };
    try {
      const since = Date.now() / 1000;
      const result = await run(request);
      const until = Date.now() / 1000;
      await analyse(request, outcomeOf(result, request), since, until);
    } finally {
      button.disabled = false;
      $("analysis").dataset.runs = $("result").dataset.runs;
    }
  }

  // ---- targets: read from this page's server, never typed in here -------------------------

  // Defaults that work for the chosen method on the lab's API: PUT and DELETE need a user's id,
  // POST and PUT a JSON body (with its Content-Type). GET and HEAD must not carry a body.
  const API = /^(api|api-appcors|same-origin|cors-proxy|ingress|alb|gateway)$/;

  function defaults(service, method) {
    const m = method.toUpperCase();
    if (!service) return null;
    if (service.name === "echo") return {path: "/demo?acao={origin}&aceh=X-Request-Id", headers: "", body: ""};
    if (!API.test(service.name)) return {path: "/", headers: "", body: ""};
    const json = "Content-Type: application/json";
    if (m === "POST") return {path: "/v1/users", headers: json, body: '{"name": "grace"}'};
    if (m === "PUT" || m === "PATCH") return {path: "/v1/users/1", headers: json, body: '{"name": "ada"}'};
    if (m === "DELETE") return {path: "/v1/users/3", headers: "", body: ""};
    return {path: "/v1/users", headers: "", body: ""};
  }

  let services = [];
  let filled = null; // the last defaults written into the form: replaced only while unedited

  function selectedService() {
    const option = $("target").selectedOptions[0];
    return option && services.find((s) => s.name === option.dataset.service);
  }

  function fillDefaults() {
    const service = selectedService();
    const d = defaults(service, $("method").value.trim() || "GET");
    if (!d) return;
    const untouched = (id, key) => filled === null || $(id).value === filled[key];
    const url = service.origin + d.path;
    if (untouched("url", "url")) $("url").value = url;
    if (untouched("headers", "headers")) $("headers").value = d.headers;
    if (untouched("body", "body")) $("body").value = d.body;
    filled = {url: $("url").value, headers: $("headers").value, body: $("body").value};
  }

  async function loadTargets() {
    const select = $("target");
    try {
      const response = await fetch("/_lab/topology.json", {cache: "no-store"});
      // {"services": [{"name", "origin", "method", "role", ...}], ...} from servers/pages.py
      if (response.ok) services = (await response.json()).services || [];
    } catch (err) {
      // No topology: "any URL" still works.
    }
    for (const s of services) {
      const label = `${s.name}${s.method ? ` (method ${s.method})` : ""} - ${s.origin}${s.role ? ` - ${s.role}` : ""}`;
      select.append(el("option", label, {value: s.origin + defaults(s, "GET").path, "data-service": s.name}));
    }
    listHint = services.length
      ? `${services.length} services of the lab stack, read from this origin's /_lab/topology.json.`
      : "The lab's service list is not available here; type any URL.";
    if (!prefill()) select.dispatchEvent(new Event("change"));
  }

  // A scenario in the URL query (corslab's playground_link writes it) fills the form:
  // ?url=...&method=PUT&header=Content-Type:%20application/json&credentials=include&mode=cors&body=...
  function prefill() {
    const q = new URLSearchParams(window.location.search);
    if (!q.has("url")) return false;
    const url = q.get("url");
    const match = services.find((s) => url.startsWith(s.origin + "/"));
    const options = [...$("target").options];
    $("target").selectedIndex = Math.max(0, options.findIndex((o) => match && o.dataset.service === match.name));
    $("target-hint").textContent = match ? listHint : "";
    $("url").value = url;
    $("method").value = q.get("method") || "GET";
    $("headers").value = q.getAll("header").join("\n");
    $("body").value = q.get("body") || "";
    for (const id of ["credentials", "mode", "cache"]) {
      if (q.has(id) && [...$(id).options].some((o) => o.value === q.get(id))) $(id).value = q.get(id);
    }
    filled = {url: "\u0000", headers: "\u0000", body: "\u0000"}; // the learner's scenario: never replaced
    $("prefilled").hidden = false;
    return true;
  }

  let listHint = "";
  const ECHO_HINT = "The echo answers with the headers its query string asks for: acao, acac, acam, acah, aceh, " +
    "acma (repeat one to send it twice), hdr=Name:value, status, preflight_status, redirect=URL, " +
    "pf_acao... for the preflight only. {origin} stands for your Origin.";

  function onTargetChange() {
    const option = $("target").selectedOptions[0];
    filled = null; // a new target: its defaults replace the form's URL, headers and body
    if (option && option.value) {
      $("url").value = option.value;
      fillDefaults();
    }
    $("target-hint").textContent = option && option.dataset.service === "echo" ? ECHO_HINT : listHint;
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("page-origin").textContent = window.location.origin;
    $("request-form").addEventListener("submit", onSubmit);
    $("target").addEventListener("change", onTargetChange);
    $("method").addEventListener("change", fillDefaults);
    window.corslab.ready = loadTargets();
  });

  window.corslab = {run, parseHeaderLines, outcomeOf, XHR_NETWORK_ERROR};
})();
