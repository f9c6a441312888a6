/* "Spot the principle": the exercise and its SCORM 1.2 reporting.
 *
 * Data model used with the LMS (SCORM 1.2 RTE):
 *   read   cmi.core.student_name, cmi.core.entry, cmi.core.lesson_status,
 *          cmi.core.lesson_location, cmi.suspend_data, cmi.student_data.mastery_score,
 *          cmi.core.score.raw
 *   write  cmi.core.lesson_status ("incomplete" at start, then "passed" or "failed"),
 *          cmi.core.lesson_location (index of the current clip),
 *          cmi.suspend_data ("v1|" + one character per clip: "-" unanswered or the
 *          index of the chosen answer), cmi.core.score.raw/min/max,
 *          cmi.core.session_time (HHHH:MM:SS.SS), cmi.core.exit ("suspend" or "")
 */
(function () {
  "use strict";

  var PRINCIPLES = [
    { key: "squash", en: "Squash and stretch", ja: "スクワッシュ＆ストレッチ" },
    { key: "anticipation", en: "Anticipation", ja: "予備動作" },
    { key: "slowinout", en: "Slow in and slow out", ja: "スローイン・スローアウト" },
    { key: "arcs", en: "Arcs", ja: "運動の弧（アーク）" },
    { key: "followthrough", en: "Follow through", ja: "フォロースルー" },
    { key: "timing", en: "Timing", ja: "タイミング" },
    { key: "staging", en: "Staging", ja: "ステージング" },
    { key: "secondary", en: "Secondary action", ja: "セカンダリー・アクション" }
  ];

  var QUESTIONS = [
    { clip: "followthrough", answer: "followthrough",
      en: "The character stops. Which principle does the antenna show?",
      ja: "キャラクターが止まります。アンテナが示している原則はどれですか。",
      why_en: "The body stops but the loose antenna keeps moving and settles later: follow through.",
      why_ja: "体は止まっても、やわらかいアンテナは動き続けて遅れて落ち着きます。フォロースルーです。" },
    { clip: "squash", answer: "squash",
      en: "Which principle makes this ball look soft?",
      ja: "このボールがやわらかく見えるのは、どの原則のおかげですか。",
      why_en: "It flattens and widens on contact and lengthens while fast, keeping its volume.",
      why_ja: "接地で平たく広がり、速いときは伸びています。体積は保たれています。" },
    { clip: "timing", answer: "timing",
      en: "A and B swing along the same path with the same easing. Why does B feel heavier?",
      ja: "AとBは同じ道筋を同じイージングで揺れています。Bのほうが重く感じるのはなぜですか。",
      why_en: "Only the number of frames per swing differs: timing tells us about weight.",
      why_ja: "違うのは1回の揺れにかかるコマ数だけです。タイミングが重さを伝えています。" },
    { clip: "anticipation", answer: "anticipation",
      en: "Before the jump, the character crouches and swings the arm back. Which principle?",
      ja: "ジャンプの前に、キャラクターはしゃがんで腕を後ろに引きます。どの原則ですか。",
      why_en: "A movement in the opposite direction prepares the action and tells us it is coming.",
      why_ja: "反対方向への動きが動作を準備し、これから何かが起こることを伝えています。" },
    { clip: "arcs", answer: "arcs",
      en: "Both arms move from the same start to the same end. Why does arm 2 look natural?",
      ja: "2本の腕は同じ位置から同じ位置へ動きます。2番の腕が自然に見えるのはなぜですか。",
      why_en: "Arm 2's hand follows a curve around the shoulder; arm 1 cuts straight across and looks mechanical.",
      why_ja: "2番の手は肩を中心とした曲線をたどります。1番はまっすぐ横切るので機械的に見えます。" },
    { clip: "slowinout", answer: "slowinout",
      en: "Look at the dots under the box. Which principle do they show?",
      ja: "箱の下の点の間隔を見てください。どの原則を示していますか。",
      why_en: "The drawings bunch up near both marks: the box eases out of one pose and into the next.",
      why_ja: "両端の近くで絵の間隔が詰まっています。ポーズからゆっくり出て、ゆっくり入っています。" }
  ];

  var state = { answers: [], current: 0, done: false, finished: false };
  var masteryScore = 80;
  var priorStatus = "";
  var priorScore = NaN;
  var el = {};
  var raf = 0;

  function $(id) { return document.getElementById(id); }

  // ---- SCORM -------------------------------------------------------------------------
  function encode() {
    return "v1|" + state.answers.map(function (a) { return a === null ? "-" : String(a); }).join("");
  }
  function decode(data) {
    var m = /^v1\|([-0-9]*)$/.exec(data || "");
    if (!m || m[1].length !== QUESTIONS.length) return null;
    return m[1].split("").map(function (c) { return c === "-" ? null : Number(c); });
  }

  function start() {
    state.answers = QUESTIONS.map(function () { return null; });
    var connected = Scorm.init();
    el.status.textContent = connected ? "" :
      "Not connected to a learning platform: your result will not be saved. / 学習プラットフォームに接続されていないため、結果は保存されません。";
    if (connected) {
      var name = Scorm.get("cmi.core.student_name");          // "Family, Given"
      if (name.indexOf(",") > 0) {
        var parts = name.split(",");
        name = parts.slice(1).join(",").trim() + " " + parts[0].trim();
      }
      if (name) el.hello.textContent = "Welcome, " + name + " / ようこそ、" + name + "さん";
      var ms = parseFloat(Scorm.get("cmi.student_data.mastery_score"));
      if (!isNaN(ms) && ms >= 0 && ms <= 100) masteryScore = ms;
      priorStatus = Scorm.get("cmi.core.lesson_status");
      priorScore = parseFloat(Scorm.get("cmi.core.score.raw"));
      var entry = Scorm.get("cmi.core.entry");
      var saved = decode(Scorm.get("cmi.suspend_data"));
      if (entry === "resume" && saved) {
        state.answers = saved;
        var loc = parseInt(Scorm.get("cmi.core.lesson_location"), 10);
        state.current = isNaN(loc) ? firstUnanswered() : Math.max(0, Math.min(QUESTIONS.length - 1, loc));
      }
      if (priorStatus === "not attempted" || priorStatus === "") {
        Scorm.set("cmi.core.lesson_status", "incomplete");
        Scorm.commit();
      }
    }
    el.mastery.textContent = String(masteryScore);
    show(state.current);
  }

  function firstUnanswered() {
    for (var i = 0; i < state.answers.length; i++) if (state.answers[i] === null) return i;
    return state.answers.length - 1;
  }

  function saveProgress() {
    if (!Scorm.connected()) return;
    Scorm.set("cmi.suspend_data", encode());
    Scorm.set("cmi.core.lesson_location", String(state.current));
    Scorm.commit();
  }

  function score() {
    var right = 0;
    state.answers.forEach(function (a, i) {
      if (a !== null && PRINCIPLES[a].key === QUESTIONS[i].answer) right += 1;
    });
    return { right: right, raw: Math.round(right * 100 / QUESTIONS.length) };
  }

  function finishAttempt() {
    var s = score();
    var passed = s.raw >= masteryScore;
    state.done = true;
    if (Scorm.connected()) {
      // A learner who already passed keeps "passed" and the better score.
      var keepPrior = priorStatus === "passed";
      var raw = keepPrior && !isNaN(priorScore) ? Math.max(priorScore, s.raw) : s.raw;
      Scorm.set("cmi.core.score.min", "0");
      Scorm.set("cmi.core.score.max", "100");
      Scorm.set("cmi.core.score.raw", String(raw));
      Scorm.set("cmi.core.lesson_status", keepPrior || passed ? "passed" : "failed");
      Scorm.set("cmi.suspend_data", encode());
      Scorm.set("cmi.core.lesson_location", "");
      Scorm.set("cmi.core.session_time", Scorm.sessionTime());
      Scorm.set("cmi.core.exit", "");
      Scorm.commit();
      Scorm.finish();
      state.finished = true;
    }
    showResult(s, passed);
  }

  // Leaving in the middle: keep the answers so the next launch can resume.
  function onLeave() {
    if (state.finished || !Scorm.connected()) return;
    state.finished = true;
    Scorm.set("cmi.suspend_data", encode());
    Scorm.set("cmi.core.lesson_location", String(state.current));
    Scorm.set("cmi.core.session_time", Scorm.sessionTime());
    Scorm.set("cmi.core.exit", state.done ? "" : "suspend");
    Scorm.commit();
    Scorm.finish();
  }

  // ---- UI ----------------------------------------------------------------------------
  function show(i) {
    state.current = i;
    var q = QUESTIONS[i];
    el.counter.textContent = (i + 1) + " / " + QUESTIONS.length;
    el.bar.style.width = (100 * state.answers.filter(function (a) { return a !== null; }).length / QUESTIONS.length) + "%";
    el.qen.textContent = q.en;
    el.qja.textContent = q.ja;
    el.feedback.textContent = "";
    el.feedback.className = "feedback";
    el.next.hidden = true;
    el.choices.innerHTML = "";
    PRINCIPLES.forEach(function (p, idx) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "choice";
      b.innerHTML = "<span>" + p.en + "</span><small>" + p.ja + "</small>";
      b.addEventListener("click", function () { answer(idx); });
      el.choices.appendChild(b);
    });
    if (state.answers[i] !== null) reveal(state.answers[i], false);
    playClip(q.clip);
  }

  function answer(idx) {
    if (state.answers[state.current] !== null) return;   // one answer per clip
    state.answers[state.current] = idx;
    reveal(idx, true);
    saveProgress();
  }

  function reveal(idx, fresh) {
    var q = QUESTIONS[state.current];
    var right = PRINCIPLES[idx].key === q.answer;
    var buttons = el.choices.querySelectorAll("button");
    buttons.forEach(function (b, j) {
      b.disabled = true;
      if (PRINCIPLES[j].key === q.answer) b.classList.add("right");
      else if (j === idx) b.classList.add("wrong");
    });
    el.feedback.className = "feedback " + (right ? "ok" : "no");
    el.feedback.innerHTML = "<strong>" + (right ? "Correct! 正解！" : "Not quite. 残念！") + "</strong> " +
      q.why_en + "<br>" + q.why_ja;
    el.next.hidden = false;
    el.next.textContent = state.current < QUESTIONS.length - 1 ? "Next clip / 次へ →" : "See my result / 結果を見る";
    if (fresh) el.next.focus();
    el.bar.style.width = (100 * state.answers.filter(function (a) { return a !== null; }).length / QUESTIONS.length) + "%";
  }

  function next() {
    if (state.current < QUESTIONS.length - 1) { show(state.current + 1); saveProgress(); }
    else finishAttempt();
  }

  function showResult(s, passed) {
    cancelAnimationFrame(raf);
    el.quiz.hidden = true;
    el.result.hidden = false;
    $("res-score").textContent = s.raw;
    $("res-right").textContent = s.right + " / " + QUESTIONS.length;
    $("res-verdict").textContent = passed ?
      "Passed - well spotted! / 合格です。よく見抜きました！" :
      "Not passed yet (" + masteryScore + " needed). Review module 2 and launch this activity again. / " +
      "まだ合格ではありません（" + masteryScore + "点が必要）。モジュール2を復習して、もう一度挑戦しましょう。";
    $("res-verdict").className = passed ? "ok" : "no";
    $("res-saved").textContent = state.finished ? "Your result has been saved. You can close this activity. / 結果を保存しました。このアクティビティを閉じてかまいません。" : "";
  }

  function playClip(name) {
    cancelAnimationFrame(raf);
    var clip = Clips.all[name];
    var ctx = el.canvas.getContext("2d");
    var t0 = performance.now();
    function tick(now) {
      var t = ((now - t0) / 1000) % clip.period;
      clip.draw(ctx, t);
      raf = requestAnimationFrame(tick);
    }
    raf = requestAnimationFrame(tick);
  }

  document.addEventListener("DOMContentLoaded", function () {
    ["status", "hello", "counter", "bar", "qen", "qja", "choices", "feedback", "next",
     "quiz", "result", "canvas", "mastery"].forEach(function (id) { el[id] = $(id); });
    el.canvas.width = Clips.W;
    el.canvas.height = Clips.H;
    el.next.addEventListener("click", next);
    window.addEventListener("pagehide", onLeave);
    window.addEventListener("beforeunload", onLeave);
    start();
  });
})();
