// Item player: saves video position and study time, resumes where the learner stopped.
// Heartbeats carry a fresh UUID each, so a retried request is never counted twice.
(function () {
  "use strict";
  var player = document.querySelector(".player[data-heartbeat]");
  if (!player || player.dataset.learner !== "yes") { return; }
  var url = player.dataset.heartbeat;
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var lastBeat = Date.now();

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }

  function send(body, useBeacon) {
    var seconds = Math.min(600, Math.round((Date.now() - lastBeat) / 1000));
    lastBeat = Date.now();
    body.id = uuid();
    body.seconds = seconds;
    var payload = JSON.stringify(body);
    return fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: !!useBeacon,
      headers: {"Content-Type": "application/json", "X-CSRFToken": token},
      body: payload
    }).then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; });
  }

  var video = player.querySelector("video");
  if (video) {
    var resumeAt = parseFloat(video.dataset.resume || "0");
    var completeAt = parseFloat(video.dataset.completeAt || "0.9");
    var resume = function () {
      if (resumeAt > 0 && resumeAt < video.duration - 1) { video.currentTime = resumeAt; }
      video.dataset.resumed = "yes";
    };
    // The metadata may have arrived before this deferred script ran.
    if (video.readyState >= 1) { resume(); } else { video.addEventListener("loadedmetadata", resume); }
    var watched = function () {
      if (!video.duration) { return 0; }
      var total = 0;
      for (var i = 0; i < video.played.length; i++) { total += video.played.end(i) - video.played.start(i); }
      return Math.min(1, total / video.duration);
    };
    var beat = function (beacon) {
      return send({position: Math.round(video.currentTime * 10) / 10, watched: watched()}, beacon);
    };
    var timer = null;
    video.addEventListener("play", function () {
      if (!timer) { timer = setInterval(function () { beat(false); }, 10000); }
    });
    video.addEventListener("pause", function () { clearInterval(timer); timer = null; beat(false); });
    video.addEventListener("ended", function () { clearInterval(timer); timer = null; beat(false); });
    video.addEventListener("seeked", function () { if (video.paused) { beat(false); } });
    window.addEventListener("pagehide", function () { if (!video.paused) { beat(true); } });
    // Lets tests and the page know when a save has landed.
    video.kakehashiSave = beat;
  }
})();
