/* Kakehashi SCORM run-time adapter: runs INSIDE the sandboxed SCO document.
 *
 * The platform serves this file after one line, window.__kakehashiScorm = {item, version,
 * cmi, model}: the launch's starting data and the data model (lms/learning/scorm_model.py,
 * the single definition the server validates against too). A SCO looks for window.API
 * (1.2) or window.API_1484_11 (2004) in its own window and its parents; the platform page
 * is another origin to the sandboxed SCO, so the API lives here, in the SCO's window, and
 * answers synchronously from a local copy of the data. What the SCO sets is posted to the
 * platform page (window.parent) on Initialize, Commit and Terminate, and every 30 seconds
 * while something is unsaved:
 *   {kakehashiScorm: 1, item, call: "initialize"|"commit"|"terminate", id: uuid, data}
 * The page (static/js/content-host.js) sends it to the server, which checks it again.
 */
(function (window) {
  "use strict";
  var boot = window.__kakehashiScorm;
  if (!boot || !boot.model || window.__kakehashiScormAdapter) { return; }

  var model = boot.model;
  var V12 = model.version === "1.2";
  var AUTOSAVE_MS = 30000;
  var NOT_INITIALIZED = 0, RUNNING = 1, TERMINATED = 2;
  var INDEX = /^[0-9]+$/;
  var KEYWORDS = ["_children", "_count", "_version"];
  var ERRORS = V12 ? {
    "0": "No error", "101": "General exception", "201": "Invalid argument error",
    "202": "Element cannot have children", "203": "Element not an array - cannot have count",
    "301": "Not initialized", "401": "Not implemented error",
    "402": "Invalid set value, element is a keyword", "403": "Element is read only",
    "404": "Element is write only", "405": "Incorrect data type"
  } : {
    "0": "No Error", "101": "General Exception", "102": "General Initialization Failure",
    "103": "Already Initialized", "104": "Content Instance Terminated",
    "111": "General Termination Failure", "112": "Termination Before Initialization",
    "113": "Termination After Termination", "122": "Retrieve Data Before Initialization",
    "123": "Retrieve Data After Termination", "132": "Store Data Before Initialization",
    "133": "Store Data After Termination", "142": "Commit Before Initialization",
    "143": "Commit After Termination", "201": "General Argument Error",
    "301": "General Get Failure", "351": "General Set Failure", "391": "General Commit Failure",
    "401": "Undefined Data Model Element", "402": "Unimplemented Data Model Element",
    "403": "Data Model Element Value Not Initialized", "404": "Data Model Element Is Read Only",
    "405": "Data Model Element Is Write Only", "406": "Data Model Element Type Mismatch",
    "407": "Data Model Element Value Out Of Range", "408": "Data Model Dependency Not Established"
  };

  var data = {};
  var key;
  for (key in boot.cmi) {
    if (Object.prototype.hasOwnProperty.call(boot.cmi, key)) { data[key] = String(boot.cmi[key]); }
  }
  var dirty = {};
  var unsaved = false;
  var state = NOT_INITIALIZED;
  var lastError = "0";
  var lastDiagnostic = "";
  var timer = null;
  var patterns = {};

  function has(object, name) { return Object.prototype.hasOwnProperty.call(object, name); }

  function Refused(kind, diagnostic) { this.kind = kind; this.diagnostic = diagnostic; }

  function succeed() { lastError = "0"; lastDiagnostic = ""; }

  function fail(kind, diagnostic) {
    lastError = model.codes[kind] || model.codes.general;
    lastDiagnostic = diagnostic || ERRORS[lastError] || "";
  }

  function regex(source) {
    if (!has(patterns, source)) { patterns[source] = new RegExp(source); }
    return patterns[source];
  }

  function normalise(name) {
    var parts = name.split(".");
    for (var i = 0; i < parts.length; i++) { if (INDEX.test(parts[i])) { parts[i] = "n"; } }
    return parts.join(".");
  }

  // How many entries the array at the concrete prefix holds (indices are set in order).
  function count(prefix) {
    var start = prefix + ".";
    var highest = -1;
    for (var name in data) {
      if (has(data, name) && name.indexOf(start) === 0) {
        var head = name.slice(start.length).split(".")[0];
        if (INDEX.test(head)) { highest = Math.max(highest, parseInt(head, 10)); }
      }
    }
    return highest + 1;
  }

  // Each array along the name with its index: [["cmi.interactions", 3], ...].
  function indices(name) {
    var parts = name.split(".");
    var found = [];
    for (var i = 1; i < parts.length; i++) {
      if (INDEX.test(parts[i])) { found.push([parts.slice(0, i).join("."), parseInt(parts[i], 10)]); }
    }
    return found;
  }

  function known(shape) {
    return has(model.elements, shape) || has(model.children, shape) ||
      model.arrays.indexOf(shape) >= 0;
  }

  // null when the value fits the type, else "type" or "range" (as scorm_model.check_value).
  function checkValue(spec, value) {
    if (spec.blank && value === "") { return null; }
    if (has(spec, "max") && value.length > spec.max) { return "type"; }
    if (spec["enum"] && spec["enum"].indexOf(value) >= 0) { return null; }
    if (spec.re) {
      if (!regex(spec.re).test(value)) { return "type"; }
    } else if (spec["enum"]) {
      return "type";
    }
    if (has(spec, "lo") || has(spec, "hi")) {
      var number = parseFloat(value);
      if ((has(spec, "lo") && number < spec.lo) || (has(spec, "hi") && number > spec.hi)) {
        return "range";
      }
    }
    return null;
  }

  // Throws Refused unless the SCO may set name to value (as scorm_model.check_set).
  function checkSet(name, value) {
    if (name === "") { throw new Refused("set_empty", "No element named."); }
    var parts = name.split(".");
    var last = parts[parts.length - 1];
    var shape = normalise(name);
    if (KEYWORDS.indexOf(last) >= 0) {
      var container = shape.slice(0, shape.length - last.length - 1);
      var keyword = has(model.children, container) || model.arrays.indexOf(container) >= 0 ||
        name === "cmi._version";
      throw new Refused(keyword ? "set_keyword" : "unknown", name + " is a keyword: read-only.");
    }
    if (name.indexOf("adl.nav.request_valid.") === 0) {
      throw new Refused("read_only", name + " is read-only.");
    }
    if (!has(model.elements, shape)) {
      throw new Refused("unknown", name + " is not an element of the SCORM data model.");
    }
    var spec = model.elements[shape];
    if (spec[0].indexOf("w") < 0) { throw new Refused("read_only", name + " is read-only."); }
    var arrays = indices(name);
    for (var i = 0; i < arrays.length; i++) {
      if (arrays[i][1] > count(arrays[i][0])) {
        throw new Refused("set_index", arrays[i][0] + " entries must be set in order.");
      }
    }
    var type = model.types[spec[1]];
    if (model.strict) {
      if (parts.length >= 4 && (parts[1] === "interactions" || parts[1] === "objectives") &&
          parts[3] !== "id" && !has(data, "cmi." + parts[1] + "." + parts[2] + ".id")) {
        throw new Refused("dependency", "Set cmi." + parts[1] + "." + parts[2] + ".id first.");
      }
      if (parts[1] === "interactions" && parts.length > 3 &&
          (parts[3] === "learner_response" || parts[3] === "correct_responses")) {
        var kind = data["cmi.interactions." + parts[2] + ".type"];
        if (kind === undefined) {
          throw new Refused("dependency", "Set cmi.interactions." + parts[2] + ".type first.");
        }
        var table = spec[1] === "response" ? model.responses : model.patterns;
        if (has(table, kind)) { type = table[kind]; }
      }
    }
    var problem = checkValue(type, value);
    if (problem) {
      throw new Refused(problem, problem === "range" ? "Value out of range." : "Value of the wrong type.");
    }
    if (model.strict && (shape === "cmi.objectives.n.id" || shape === "cmi.interactions.n.objectives.n.id")) {
      if (has(data, name) && data[name] !== value) {
        throw new Refused("set_failure", "An objective's id cannot change.");
      }
      var array = name.split(".").slice(0, -2).join(".");
      var total = count(array);
      for (var j = 0; j < total; j++) {
        var other = array + "." + j + ".id";
        if (other !== name && data[other] === value) {
          throw new Refused("set_failure", "Objective ids must be unique.");
        }
      }
    }
  }

  // SCORM 2004: the LMS decides these when the manifest gave a threshold or passing score.
  function evaluated(name) {
    if (!V12 && name === "cmi.completion_status" && has(data, "cmi.completion_threshold")) {
      if (!has(data, "cmi.progress_measure")) { return "unknown"; }
      return parseFloat(data["cmi.progress_measure"]) >= parseFloat(data["cmi.completion_threshold"]) ?
        "completed" : "incomplete";
    }
    if (!V12 && name === "cmi.success_status" && has(data, "cmi.scaled_passing_score")) {
      if (!has(data, "cmi.score.scaled")) { return "unknown"; }
      return parseFloat(data["cmi.score.scaled"]) >= parseFloat(data["cmi.scaled_passing_score"]) ?
        "passed" : "failed";
    }
    return data[name];
  }

  function read(name) {
    if (name === "") { fail("get_empty", "No element named."); return ""; }
    if (name === "cmi._version") { succeed(); return model.versionValue; }
    var parts = name.split(".");
    var last = parts[parts.length - 1];
    var shape = normalise(name);
    var container = shape.slice(0, shape.length - last.length - 1);
    var i, arrays;
    if (last === "_children") {
      if (has(model.children, container)) { succeed(); return model.children[container]; }
      fail(known(container) ? "no_children" : "unknown", name + " has no children.");
      return "";
    }
    if (last === "_count") {
      if (model.arrays.indexOf(container) < 0) {
        fail(known(container) ? "no_count" : "unknown", name + " is not an array.");
        return "";
      }
      arrays = indices(name);
      for (i = 0; i < arrays.length; i++) {
        if (arrays[i][1] >= count(arrays[i][0])) { fail("get_index", "No such entry."); return ""; }
      }
      succeed();
      return String(count(name.slice(0, name.length - 7)));
    }
    if (!V12 && name.indexOf("adl.nav.request_valid.") === 0) {
      var rest = name.slice(22);
      if (rest === "continue" || rest === "previous" || /^(choice|jump)\.\{target=[^{}]+\}$/.test(rest)) {
        succeed();
        return "unknown";  // Kakehashi runs no sequencing: it cannot say.
      }
      fail("unknown", name + " is not an element of the SCORM data model.");
      return "";
    }
    if (!has(model.elements, shape)) {
      fail("unknown", name + " is not an element of the SCORM data model.");
      return "";
    }
    if (model.elements[shape][0].indexOf("r") < 0) { fail("write_only", name + " is write-only."); return ""; }
    arrays = indices(name);
    for (i = 0; i < arrays.length; i++) {
      if (arrays[i][1] >= count(arrays[i][0])) { fail("get_index", "No such entry in " + arrays[i][0] + "."); return ""; }
    }
    var value = evaluated(name);
    if (value === undefined) {
      if (model.strict) { fail("not_initialized", name + " has no value yet."); } else { succeed(); }
      return "";
    }
    succeed();
    return value;
  }

  function uuid() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = "";
    for (var i = 0; i < 16; i++) {
      hex += (bytes[i] + 0x100).toString(16).slice(1);
      if (i === 3 || i === 5 || i === 7 || i === 9) { hex += "-"; }
    }
    return hex;
  }

  function post(call) {
    var message = {kakehashiScorm: 1, item: boot.item, call: call, id: uuid(), data: dirty};
    dirty = {};
    unsaved = false;
    try {
      if (window.parent && window.parent !== window) { window.parent.postMessage(message, "*"); }
    } catch (e) { /* nothing to tell: the platform page is gone */ }
  }

  function emptyArgument(argument) {
    return argument === undefined || argument === null || String(argument) === "";
  }

  function initialize(argument) {
    if (!emptyArgument(argument)) { fail("argument", "The argument must be \"\"."); return "false"; }
    if (state === RUNNING) { fail("init_again", "Already initialized."); return "false"; }
    if (state === TERMINATED) { fail("init_after_terminate", "Already terminated."); return "false"; }
    state = RUNNING;
    post("initialize");
    timer = window.setInterval(function () { if (unsaved) { post("commit"); } }, AUTOSAVE_MS);
    succeed();
    return "true";
  }

  function terminate(argument) {
    if (!emptyArgument(argument)) { fail("argument", "The argument must be \"\"."); return "false"; }
    if (state === NOT_INITIALIZED) { fail("terminate_before_init", "Not initialized."); return "false"; }
    if (state === TERMINATED) { fail("terminate_after_terminate", "Already terminated."); return "false"; }
    state = TERMINATED;
    window.clearInterval(timer);
    post("terminate");
    succeed();
    return "true";
  }

  function commit(argument) {
    if (!emptyArgument(argument)) { fail("argument", "The argument must be \"\"."); return "false"; }
    if (state === NOT_INITIALIZED) { fail("commit_before_init", "Not initialized."); return "false"; }
    if (state === TERMINATED) { fail("commit_after_terminate", "Already terminated."); return "false"; }
    if (unsaved) { post("commit"); }
    succeed();
    return "true";
  }

  function getValue(name) {
    if (state === NOT_INITIALIZED) { fail("get_before_init", "Not initialized."); return ""; }
    if (state === TERMINATED) { fail("get_after_terminate", "Already terminated."); return ""; }
    return read(name === undefined || name === null ? "" : String(name));
  }

  function setValue(name, value) {
    if (state === NOT_INITIALIZED) { fail("set_before_init", "Not initialized."); return "false"; }
    if (state === TERMINATED) { fail("set_after_terminate", "Already terminated."); return "false"; }
    name = name === undefined || name === null ? "" : String(name);
    value = value === undefined || value === null ? "" : String(value);
    try {
      checkSet(name, value);
    } catch (refused) {
      if (!(refused instanceof Refused)) { throw refused; }
      fail(refused.kind, refused.diagnostic);
      return "false";
    }
    data[name] = value;
    dirty[name] = value;
    unsaved = true;
    succeed();
    return "true";
  }

  function getLastError() { return lastError; }

  function getErrorString(code) {
    return has(ERRORS, String(code)) ? ERRORS[String(code)] : "";
  }

  function getDiagnostic(code) {
    if (emptyArgument(code) || String(code) === lastError) { return lastDiagnostic; }
    return getErrorString(code);
  }

  var api = V12 ? {
    LMSInitialize: initialize, LMSFinish: terminate, LMSGetValue: getValue,
    LMSSetValue: setValue, LMSCommit: commit, LMSGetLastError: getLastError,
    LMSGetErrorString: getErrorString, LMSGetDiagnostic: getDiagnostic
  } : {
    Initialize: initialize, Terminate: terminate, GetValue: getValue, SetValue: setValue,
    Commit: commit, GetLastError: getLastError, GetErrorString: getErrorString,
    GetDiagnostic: getDiagnostic, version: "1.0"
  };

  // Content often declares "var API = null;" (the ADL discovery code does): a setter that
  // ignores writes keeps the adapter in place.
  Object.defineProperty(window, V12 ? "API" : "API_1484_11", {
    get: function () { return api; }, set: function () {}, enumerable: true, configurable: false
  });
  // ADL's 2004 discovery starts at window.parent, which is the platform page: another
  // origin, where only its frames can be looked up by name. The player names the SCO's
  // frame "API_1484_11" (1.2: "API"), so that lookup finds the SCO's own window; the
  // functions below make that window answer like the API object. The content may
  // replace them with its own functions of the same names.
  for (key in api) {
    if (has(api, key) && typeof api[key] === "function" && !(key in window)) {
      Object.defineProperty(window, key, {value: api[key], writable: true, configurable: true});
    }
  }
  Object.defineProperty(window, "__kakehashiScormAdapter", {value: api});

  // Leaving without Commit/Terminate: send what is unsaved (the SCO's own unload
  // handlers, registered after this one, may still terminate).
  window.addEventListener("pagehide", function () {
    if (state === RUNNING && unsaved) { post("commit"); }
  });
})(window);
