// Live furigana preview for instructors: the text goes to /japanese/preview (session +
// CSRF header), which uses the same service as POST /api/v1/japanese/furigana.
(function () {
  "use strict";
  var root = document.getElementById("furigana-preview");
  if (!root) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var text = document.getElementById("preview-text");
  var output = document.getElementById("preview-output");
  var list = document.getElementById("preview-tokens");
  var timer = null, sent = 0;

  function render(data, id) {
    if (id !== sent) { return; }          // an older answer arrived late
    output.innerHTML = data.html;          // sanitised by the server (nh3)
    list.textContent = "";
    data.tokens.forEach(function (token) {
      if (token.surface === token.reading) { return; }
      var li = document.createElement("li");
      li.textContent = token.surface + " \u2014 " + token.reading;
      list.appendChild(li);
    });
  }
  function update() {
    var id = ++sent;
    fetch(root.dataset.url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify({text: text.value})
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (data) { render(data, id); })
      .catch(function () { output.textContent = root.dataset.msgError; });
  }
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  });
  if (text.value) { update(); }
})();
