// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // IME-safe forms: Enter that confirms a kana-kanji conversion must never submit.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.isComposing || event.keyCode === 229)) {
      var target = event.target;
      if (target && target.form && target.tagName === "INPUT") { event.preventDefault(); }
    }
  }, true);
})();

// Sandboxed content frames keep the aspect ratio their package declares (no inline styles:
// the page's CSP forbids them, the CSSOM is fine).
document.querySelectorAll("iframe.content-frame[width][height]").forEach(function (frame) {
  var w = parseInt(frame.getAttribute("width"), 10), h = parseInt(frame.getAttribute("height"), 10);
  if (w > 0 && h > 0) { frame.style.aspectRatio = w + " / " + h; }
});
