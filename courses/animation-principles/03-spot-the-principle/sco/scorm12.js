/* A small SCORM 1.2 run-time wrapper (SCORM 1.2 RTE, section 3).
 *
 * Finding the API: the LMS provides an object named "API" in a window that is the SCO's
 * window, one of its parents, or the window that opened it (and that window's parents).
 * We walk window.parent up to the top, then try window.opener, as the RTE describes.
 * Every access is guarded: a parent of another origin throws a SecurityError, and on
 * Kakehashi the SCO runs sandboxed with the API adapter injected into its own window.
 *
 * All values are strings; LMSSetValue/LMSCommit/LMSFinish/LMSInitialize return "true" or
 * "false"; LMSGetLastError returns an error code, "0" meaning no error.
 */
(function (global) {
  "use strict";

  var MAX_PARENTS = 500;

  function apiIn(win) {
    try {
      if (win && win.API && typeof win.API.LMSInitialize !== "undefined") return win.API;
    } catch (e) { /* cross-origin window: not ours to look at */ }
    return null;
  }

  function findAPI(win) {
    var tries = 0;
    var api = apiIn(win);
    while (!api && tries < MAX_PARENTS) {
      var parent = null;
      try { parent = win.parent; } catch (e) { parent = null; }
      if (!parent || parent === win) break;
      win = parent;
      tries += 1;
      api = apiIn(win);
    }
    return api;
  }

  function getAPI() {
    var api = findAPI(window);
    if (!api) {
      var opener = null;
      try { opener = window.opener; } catch (e) { opener = null; }
      if (opener) api = findAPI(opener);
    }
    return api;
  }

  var api = null;
  var active = false;
  var startedAt = 0;

  function str(v) { return v === null || v === undefined ? "" : String(v); }

  var Scorm = {
    /** True when an LMS API was found and LMSInitialize succeeded. */
    connected: function () { return active; },

    init: function () {
      api = getAPI();
      startedAt = Date.now();
      if (!api) return false;
      active = str(api.LMSInitialize("")) === "true";
      if (!active) Scorm.logError("LMSInitialize");
      return active;
    },

    get: function (name) {
      if (!active) return "";
      var v = str(api.LMSGetValue(name));
      var code = str(api.LMSGetLastError());
      if (code !== "0" && code !== "") {
        // 401 not implemented / 201 invalid argument: treat as empty, keep going
        Scorm.logError("LMSGetValue(" + name + ")");
        return "";
      }
      return v;
    },

    set: function (name, value) {
      if (!active) return false;
      var ok = str(api.LMSSetValue(name, str(value))) === "true";
      if (!ok) Scorm.logError("LMSSetValue(" + name + ")");
      return ok;
    },

    commit: function () {
      if (!active) return false;
      var ok = str(api.LMSCommit("")) === "true";
      if (!ok) Scorm.logError("LMSCommit");
      return ok;
    },

    finish: function () {
      if (!active) return false;
      var ok = str(api.LMSFinish("")) === "true";
      if (!ok) Scorm.logError("LMSFinish");
      active = false;  // after LMSFinish no further calls are allowed
      return ok;
    },

    logError: function (where) {
      try {
        var code = str(api.LMSGetLastError());
        var text = str(api.LMSGetErrorString(code));
        if (global.console) console.warn("SCORM " + where + " failed: " + code + " " + text);
      } catch (e) { /* nothing more we can do */ }
    },

    /** Seconds since init() as a SCORM 1.2 CMITimespan, HHHH:MM:SS.SS */
    sessionTime: function () {
      var cs = Math.max(0, Math.round((Date.now() - startedAt) / 10));  // centiseconds
      var h = Math.floor(cs / 360000);
      var m = Math.floor(cs / 6000) % 60;
      var s = Math.floor(cs / 100) % 60;
      var c = cs % 100;
      if (h > 9999) { h = 9999; m = 59; s = 59; c = 99; }
      function pad(n, w) { n = String(n); while (n.length < w) n = "0" + n; return n; }
      return pad(h, 4) + ":" + pad(m, 2) + ":" + pad(s, 2) + "." + pad(c, 2);
    }
  };

  global.Scorm = Scorm;
})(window);
