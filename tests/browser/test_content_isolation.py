"""Uploaded content runs in Chromium sandboxed: it loads its own files, nothing of ours."""

from __future__ import annotations

import gzip
import json

from tests.conftest import PASSWORD
from tests.content.test_serving import build_course, url_for_file

# The package's script reports what it could reach to the page around it.
PROBE_JS = """
(async () => {
  const report = {};
  const attempt = async (name, fn) => {
    try { report[name] = await fn(); } catch (error) { report[name] = "error:" + error.name; }
  };
  await attempt("cookie", () => document.cookie);
  await attempt("localStorage", () => { localStorage.setItem("k", "v"); return "stored"; });
  await attempt("parentDocument", () => window.parent.document.title);
  await attempt("platformPage", async () => {
    const response = await fetch("/learning/", {credentials: "include"});
    return "status " + response.status + ": " + (await response.text()).slice(0, 300);
  });
  await attempt("ownFile", async () => (await (await fetch("data.json")).json()).word);
  await attempt("wasm", async () => {
    const {instance} = await WebAssembly.instantiateStreaming(fetch("Build/answer.wasm.gz"));
    return instance.exports.answer();
  });
  await attempt("ownImage", () => new Promise((resolve) => {
    const image = new Image();
    image.onload = () => resolve("loaded " + image.naturalWidth + "x" + image.naturalHeight);
    image.onerror = () => resolve("failed");
    image.src = "pixel.svg";
  }));
  report.origin = String(self.origin);
  window.parent.postMessage({probe: report}, "*");
})();
"""
# A WebAssembly module exporting answer() -> 42, pre-compressed as WebGL builds ship it.
ANSWER_WASM = bytes.fromhex(
    "0061736d01000000" "0105016000017f" "03020100" "070a0106616e737765720000" "0a0601040041"
    "2a0b")
FILES = {
    "game/index.html": "<!doctype html><meta charset=utf-8><title>Probe</title>"
                       "<script src=probe.js></script>",
    "game/probe.js": PROBE_JS,
    "game/data.json": json.dumps({"word": "かけはし"}),
    "game/Build/answer.wasm.gz": gzip.compress(ANSWER_WASM, mtime=0),
    "game/pixel.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="3" height="2"/>',
}

EMBED = """({src, sandbox}) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("no report from the frame")), 10000);
  window.addEventListener("message", (event) => {
    if (event.data && event.data.probe) {
      clearTimeout(timer);
      resolve({origin: event.origin, report: event.data.probe});
    }
  });
  const frame = document.createElement("iframe");
  if (sandbox) frame.setAttribute("sandbox", "allow-scripts");
  frame.src = src;
  document.body.appendChild(frame);
})"""


def test_package_script_sees_no_cookie_parent_or_platform(page, live_server, app, make_user):
    setup = build_course(app, make_user, FILES)
    with app.app_context():
        from lms.auth.models import User
        from lms.extensions import db

        email = db.session.get(User, setup.student_id).email
    content = live_server + url_for_file(app, setup, "game/index.html")

    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/learning/")
    # The test means something only if there is a session the content could try to use.
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert app.config["SESSION_COOKIE_NAME"] in cookies

    # A platform page embeds the content the way the item player will.
    result = page.evaluate(EMBED, {"src": content, "sandbox": True})
    report = result["report"]

    assert result["origin"] == "null" and report["origin"] == "null"  # an opaque origin
    assert report["cookie"] in ("", "error:SecurityError")
    assert app.config["SESSION_COOKIE_NAME"] not in report["cookie"]
    assert report["localStorage"] == "error:SecurityError"
    assert report["parentDocument"] == "error:SecurityError"
    # The platform page cannot be read: the fetch fails, or at best meets the sign-in page.
    platform = report["platformPage"]
    assert platform.startswith("error:") or "Dashboard" not in platform, platform
    # ... while the package's own files, loaded by relative URL without cookies, work.
    assert report["ownFile"] == "かけはし"
    assert report["ownImage"] == "loaded 3x2"
    # .wasm.gz arrives with Content-Encoding: gzip and application/wasm, and the sandbox's
    # CSP lets it compile.
    assert report["wasm"] == 42

    # Even a frame without the sandbox attribute is sandboxed: the CSP header does it.
    bare = page.evaluate(EMBED, {"src": content, "sandbox": False})
    assert bare["origin"] == "null"
    assert bare["report"]["parentDocument"] == "error:SecurityError"
    assert bare["report"]["cookie"] in ("", "error:SecurityError")
