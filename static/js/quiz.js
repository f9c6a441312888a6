// Quiz attempts: a countdown of the server's time limit, sending the answers when it ends,
// and no double submission. The server enforces the limit; this only helps the learner.
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent === "yes") { event.preventDefault(); return; }
      form.dataset.sent = "yes";
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  }
  var timer = document.querySelector("[data-seconds-left]");
  if (!timer) { return; }
  var out = timer.querySelector("[data-countdown]");
  var announce = timer.querySelector("[data-announce]");
  // Count from the server's figure, not the device clock, which may be wrong.
  var end = Date.now() + parseInt(timer.getAttribute("data-seconds-left"), 10) * 1000;
  var warned = false;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    out.textContent = (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
    if (left <= 60 && !warned) {
      warned = true;
      timer.classList.add("urgent");
      if (announce) { announce.textContent = announce.getAttribute("data-one-minute"); }
    }
    if (left === 0) {
      if (form && form.dataset.sent !== "yes") {
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
