// The platform side of sandboxed content: receives what the content frame reports with
// postMessage and sends it to the server.
//
// SCORM: the adapter inside the SCO (scorm-api.js) posts
//   {kakehashiScorm: 1, item, call: "initialize"|"commit"|"terminate", id, data}
// which goes to data-scorm-url. HTML5 builds post {kakehashi: 1, type: "score"|"complete"|
// "progress", score, progress} (docs/package-format.md), which goes to data-report-url.
// A sandboxed frame's messages arrive with origin "null", so a message is accepted only
// when its source is the content frame's own window. Posts are sent one after another
// (the server must see Initialize before Commit); a failed one is retried with the same
// id, which the server recognises. Once one is saved, the frame's wrapper gets
// data-saved="<call or type>" (tests wait for it). The status line (aria-live) says what was saved; its
// words come translated from the page's data- attributes.
//
// Every post carries the token of this page's launch (header X-Kakehashi-Launch): the
// server accepts what content reports only through a launch it issued for this learner
// and this item (data-launch-url, asked for once when the page opens; previews get none).
//
// This file is loaded before the frame (not deferred), so no early message is missed.
(function () {
  "use strict";
  var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  var CALLS = ["initialize", "commit", "terminate"];
  var REPORTS = ["score", "complete", "progress"];
  var MAX_ELEMENTS = 5000;
  var MAX_VALUE = 64000;

  function host() { return document.querySelector("[data-content-host]"); }

  function frame(wrap) { return wrap.querySelector("iframe.content-frame"); }

  function text(wrap, name, values) {
    var status = wrap.querySelector("[data-status-line]");
    var template = (status && status.getAttribute("data-msg-" + name)) || "";
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return values && values[key] !== undefined ? values[key] : all;
    });
  }

  function say(wrap, message) {
    var status = wrap.querySelector("[data-status-line]");
    if (status && message) { status.textContent = message; }
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }

  function validScorm(message, itemId) {
    if (message.item !== itemId || CALLS.indexOf(message.call) < 0) { return false; }
    if (typeof message.id !== "string" || !UUID.test(message.id)) { return false; }
    var data = message.data;
    if (!data || typeof data !== "object" || Array.isArray(data)) { return false; }
    var names = Object.keys(data);
    if (names.length > MAX_ELEMENTS) { return false; }
    for (var i = 0; i < names.length; i++) {
      var value = data[names[i]];
      if (typeof value !== "string" || value.length > MAX_VALUE || names[i].length > 255) { return false; }
    }
    return true;
  }

  function validReport(message) {
    if (REPORTS.indexOf(message.type) < 0) { return false; }
    if (message.type === "score") {
      return typeof message.score === "number" && message.score >= 0 && message.score <= 100;
    }
    if (message.type === "progress") {
      return typeof message.progress === "number" && message.progress >= 0 && message.progress <= 1;
    }
    return true;
  }

  function csrf() { return document.querySelector('meta[name="csrf-token"]').content; }

  // The launch: asked for once, before the first post goes out.
  var launchToken = null;
  var launching = null;

  function launch(wrap) {
    if (launching) { return launching; }
    var url = wrap && wrap.getAttribute("data-launch-url");
    if (!url) { launching = Promise.resolve(null); return launching; }
    launching = fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}, body: "{}"
    }).then(function (response) {
      return response.ok ? response.json() : {};
    }).then(function (json) {
      launchToken = (json && json.token) || null;
      return launchToken;
    }, function () { launching = null; return null; });
    return launching;
  }

  function send(url, body, attempt) {
    var headers = {"Content-Type": "application/json", "X-CSRFToken": csrf()};
    if (launchToken) { headers["X-Kakehashi-Launch"] = launchToken; }
    return fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: headers,
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status >= 500 && attempt < 3) { return retry(url, body, attempt); }
      return response.json().catch(function () { return {}; }).then(function (json) {
        return {ok: response.ok, status: response.status, body: json};
      });
    }, function () {
      if (attempt < 3) { return retry(url, body, attempt); }
      return {ok: false, status: 0, body: {}};
    });
  }

  function retry(url, body, attempt) {
    return new Promise(function (resolve) {
      setTimeout(function () { resolve(send(url, body, attempt + 1)); }, 1000 * attempt);
    });
  }

  function statusLabel(wrap, status) {
    return text(wrap, "status-" + String(status || "").replace("_", "-"));
  }

  function report(wrap, result, quietWhenOnlySaved) {
    if (!result.ok) {
      var reason = result.body && result.body.error && result.body.error.message;
      say(wrap, reason ? text(wrap, "refused", {reason: reason}) : text(wrap, "failed"));
      return;
    }
    var body = result.body || {};
    if (body.recorded === false && body.preview) { say(wrap, text(wrap, "preview")); return; }
    var status = body.status;
    if (status === "completed" || status === "passed" || status === "failed") {
      var label = statusLabel(wrap, status);
      say(wrap, typeof body.score === "number" ?
        text(wrap, "with-score", {status: label, score: body.score.toFixed(1)}) : label);
      var itemStatus = document.querySelector('[data-testid="item-status"]');
      if (itemStatus && label) { itemStatus.textContent = label; }
    } else if (!quietWhenOnlySaved) {
      say(wrap, text(wrap, "saved"));
    }
  }

  // Posts go out one at a time, in order. pending holds those not sent yet.
  var pending = [];
  var busy = false;

  function next() {
    if (busy || !pending.length) { return; }
    busy = true;
    var job = pending.shift();
    launch(job.wrap).then(function () {
      return send(job.url, job.body, 1);
    }).then(function (result) {
      report(job.wrap, result, job.quiet);
      if (result.ok) { job.wrap.setAttribute("data-saved", job.body.call || job.body.type); }
      busy = false;
      next();
    });
  }

  function enqueue(wrap, url, body, quiet) {
    pending.push({wrap: wrap, url: url, body: body, quiet: quiet});
    next();
  }

  // The page is going away while posts wait behind one in flight: send them now, as
  // keepalive requests the browser finishes after the page is gone. Consecutive SCORM
  // commits and a terminate merge into one call (the last one's id), so that they
  // cannot arrive out of order.
  window.addEventListener("pagehide", function () {
    var jobs = pending;
    pending = [];
    var merged = null;
    var separate = jobs.some(function (job) { return job.body.call === "initialize"; });
    jobs.forEach(function (job) {
      if (separate) { send(job.url, job.body, 3); return; }
      var call = job.body.call;
      if (call === "commit" || call === "terminate") {
        if (merged) {
          var data = merged.body.data;
          Object.keys(job.body.data).forEach(function (name) { data[name] = job.body.data[name]; });
          merged.body = {id: job.body.id, call: call, data: data};
          return;
        }
        merged = {url: job.url, body: {id: job.body.id, call: call, data: job.body.data}};
        return;
      }
      send(job.url, job.body, 3);
    });
    if (merged) { send(merged.url, merged.body, 3); }
  });

  if (host()) { launch(host()); }

  window.addEventListener("message", function (event) {
    var wrap = host();
    if (!wrap) { return; }
    var content = frame(wrap);
    // The only check that means anything for a sandboxed frame: origin is "null".
    if (!content || event.source !== content.contentWindow) { return; }
    var message = event.data;
    if (!message || typeof message !== "object") { return; }
    var itemId = parseInt(wrap.getAttribute("data-item"), 10);
    if (message.kakehashiScorm === 1 && wrap.hasAttribute("data-scorm-url")) {
      if (!validScorm(message, itemId)) { return; }
      enqueue(wrap, wrap.getAttribute("data-scorm-url"),
              {id: message.id, call: message.call, data: message.data},
              message.call === "initialize");
    } else if (message.kakehashi === 1 && wrap.hasAttribute("data-report-url")) {
      if (!validReport(message)) { return; }
      var body = {id: uuid(), type: message.type};
      if (message.type === "score") { body.score = message.score; }
      if (message.type === "progress") { body.progress = message.progress; }
      enqueue(wrap, wrap.getAttribute("data-report-url"), body, message.type === "progress");
    }
  });
})();
