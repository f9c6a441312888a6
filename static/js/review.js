// Review session: keyboard first. Space shows the answer, 1-4 rate (Again, Hard, Good,
// Easy), F toggles furigana; a reading typed in kana is checked on Enter, never while an
// IME conversion is being confirmed. Ratings are sent with the session's CSRF token.
(function () {
  "use strict";
  var root = document.getElementById("review");
  if (!root) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var el = function (id) { return document.getElementById(id); };
  var card = null, revealed = false, shownAt = 0, busy = false, typedValue = "";
  var composing = false;

  function hira(text) {
    return text.replace(/[\u30a1-\u30f6]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0x60);
    });
  }
  function normalise(text) {
    return hira((text || "").normalize("NFKC").replace(/^[\s\u3000。、.,!?！？]+|[\s\u3000。、.,!?！？]+$/g, "")
      .replace(/\s+/g, " ").toLowerCase());
  }
  function accepted(value) {
    var answers = [card.reading, card.front].concat((card.reading || "").split(/[、,/・]/));
    var typed = normalise(value);
    return typed !== "" && answers.some(function (a) { return a && normalise(a) === typed; });
  }
  function message(text) { el("review-message").textContent = text; }

  function show(data) {
    card = data.card; revealed = false; typedValue = "";
    el("review-count").textContent = data.due ? data.due + " \u00b7 " + data.new_left : "";
    if (!card) {
      el("card").hidden = true; el("reveal-actions").hidden = true; el("rate-actions").hidden = true;
      message(root.dataset.msgDone);
      return;
    }
    message("");
    el("card").hidden = false; el("card-back").hidden = true;
    el("reveal-actions").hidden = false; el("rate-actions").hidden = true;
    el("card").dataset.cardId = card.id;
    el("card-front").innerHTML = card.front_html;       // built server-side, escaped
    el("card-reading").textContent = card.reading;
    el("card-meaning").textContent = card.meaning;
    el("card-example").innerHTML = card.example_html;   // sanitised Markdown from the server
    el("typed-result").textContent = "";
    el("typed").value = ""; el("typed").disabled = false;
    shownAt = Date.now();
  }
  function next() {
    fetch(root.dataset.next, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); }).then(show)
      .catch(function () { message(root.dataset.msgError); });
  }
  function reveal() {
    if (!card || revealed) { return; }
    revealed = true;
    typedValue = el("typed").value;
    if (typedValue.trim()) {
      el("typed-result").textContent = accepted(typedValue) ? root.dataset.msgRight : root.dataset.msgWrong;
    }
    el("typed").disabled = true;
    el("card-back").hidden = false; el("reveal-actions").hidden = true; el("rate-actions").hidden = false;
    var suggested = typedValue.trim() ? (accepted(typedValue) ? "3" : "1") : "3";
    root.querySelector('[data-rating="' + suggested + '"]').focus();
  }
  function rate(rating) {
    if (!card || !revealed || busy) { return; }
    busy = true;
    var url = root.dataset.answer.replace(/\/0$/, "/" + card.id);
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify({rating: rating, typed: typedValue || null, duration_ms: Date.now() - shownAt})
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function () { busy = false; next(); })
      .catch(function () { busy = false; message(root.dataset.msgError); });
  }
  function toggleFurigana() {
    var off = el("card").classList.toggle("furigana-off");
    el("toggle-furigana").setAttribute("aria-pressed", off ? "false" : "true");
  }

  var input = el("typed");
  input.addEventListener("compositionstart", function () { composing = true; });
  input.addEventListener("compositionend", function () {
    // Safari sends the confirming Enter's keydown after compositionend: ignore it.
    setTimeout(function () { composing = false; }, 0);
  });
  el("typed-form").addEventListener("submit", function (event) { event.preventDefault(); });
  el("reveal").addEventListener("click", reveal);
  el("toggle-furigana").addEventListener("click", toggleFurigana);
  root.querySelectorAll("[data-rating]").forEach(function (button) {
    button.addEventListener("click", function () { rate(parseInt(button.dataset.rating, 10)); });
  });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.target === input) {
      if (event.key === "Enter") {
        event.preventDefault();
        if (event.isComposing || event.keyCode === 229 || composing) { return; }
        reveal();
      }
      return;   // typing: no shortcuts
    }
    if (event.target.tagName === "TEXTAREA" || event.target.tagName === "SELECT" ||
        (event.target.tagName === "INPUT" && event.target !== input)) { return; }
    if (event.key === " " || event.key === "Spacebar") {
      if (!revealed) { event.preventDefault(); reveal(); }
    } else if (/^[1-4]$/.test(event.key)) {
      event.preventDefault(); rate(parseInt(event.key, 10));
    } else if (event.key === "f" || event.key === "F") {
      event.preventDefault(); toggleFurigana();
    }
  });
  next();
})();
