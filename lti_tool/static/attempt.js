// Autosave, timer and submit for the attempt page. Works without cookies: the launch
// token (lt) rides in every request. Saves carry a per-question sequence number so a
// retried or late save can never overwrite a newer answer.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form) return;
  var saveUrl = form.dataset.saveUrl;
  var grace = parseInt(form.dataset.graceSeconds || "0", 10);
  var statusEl = document.getElementById("save-status");
  var tokenInput = form.querySelector("input[name=lt]");
  var seqs = {};      // position -> last seq sent
  var pending = {};   // position -> true until the newest answer for it is saved
  var inflight = {};  // position -> true while a save request is out
  var dirty = {};     // position -> true if the answer changed while a save was out
  var retryTimer = null;
  var submitting = false;

  function setStatus(text) { statusEl.textContent = text; }
  function itemStatus(pos, text) {
    var el = document.getElementById("status-" + pos);
    if (el) { el.textContent = text; el.hidden = !text; }
  }
  function nothingPending() { return Object.keys(pending).length === 0; }

  function itemData(section) {
    var fd = new FormData();
    section.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.disabled) return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      fd.append(el.name, el.value);
    });
    return fd;
  }

  // One save in flight per question: a change made meanwhile is sent when it returns, so
  // saves for a question reach the server in order and the status never claims too early.
  function save(section) {
    var pos = section.dataset.position;
    pending[pos] = true;
    setStatus("Saving…");
    if (inflight[pos]) { dirty[pos] = true; return; }
    send(section);
  }

  function send(section) {
    var pos = section.dataset.position;
    seqs[pos] = Math.max((seqs[pos] || 0) + 1, Date.now());  // from the clock, so reloads keep increasing
    var fd = itemData(section);
    fd.append("position", pos);
    fd.append("seq", String(seqs[pos]));
    inflight[pos] = true;
    dirty[pos] = false;
    return fetch(saveUrl, {method: "POST", body: fd, headers: {"X-Launch-Token": tokenInput.value, "Accept": "application/json"},
                           credentials: "omit"})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, status: r.status, body: body}; }); })
      .then(function (res) {
        inflight[pos] = false;
        if (res.ok) {
          itemStatus(pos, "");
          if (res.body.lt) tokenInput.value = res.body.lt;
          updateUnanswered(res.body.unanswered || []);
          if (dirty[pos]) { send(section); return; }
          delete pending[pos];
          if (nothingPending()) setStatus("All answers saved.");
        } else if (res.status === 409) {
          pending = {};
          setStatus(res.body.error || "This attempt is closed.");
          window.location.reload();
        } else if (res.status === 400) {
          if (dirty[pos]) { send(section); return; }
          delete pending[pos];
          // Say so next to the question too, so the page does not look saved when it is not.
          itemStatus(pos, "Not saved: " + String(res.body.error || "this answer is not valid").replace(/\.?$/, ".") +
                     " Your last valid answer is kept.");
          setStatus("Question " + pos + " not saved: " + (res.body.error || "invalid answer"));
        } else { throw new Error(res.body.error || "save failed"); }
      })
      .catch(function () {
        inflight[pos] = false;
        setStatus("Not saved – retrying…");
        scheduleRetry();
      });
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      Object.keys(pending).forEach(function (pos) {
        var section = document.getElementById("question-" + pos);
        if (section && !inflight[pos]) send(section);
      });
    }, 3000);
  }

  function updateUnanswered(list) {
    var box = document.getElementById("unanswered");
    var span = document.getElementById("unanswered-list");
    if (!box) return;
    box.hidden = list.length === 0;
    span.innerHTML = "";
    list.forEach(function (p, i) {
      var a = document.createElement("a");
      a.href = "#question-" + p; a.textContent = "Question " + p;
      span.appendChild(a);
      if (i < list.length - 1) span.appendChild(document.createTextNode(", "));
    });
  }

  form.addEventListener("change", function (ev) {
    var section = ev.target.closest(".question");
    if (section) save(section);
  });

  // Submit only once the answers being saved have reached the server (at most a few
  // seconds): otherwise a save still in flight could arrive after the attempt is graded.
  function submitWhenSaved(limitMs) {
    var until = Date.now() + limitMs;
    (function wait() {
      if (nothingPending() || Date.now() >= until) { form.submit(); return; }
      setTimeout(wait, 100);
    })();
  }

  form.addEventListener("submit", function (ev) {
    if (submitting) { ev.preventDefault(); return; }   // a double click submits once
    submitting = true;
    document.getElementById("submit-button").disabled = true;
    setStatus("Submitting…");
    if (!nothingPending()) { ev.preventDefault(); submitWhenSaved(5000); }
  });

  // Timer: the server enforces the deadline; this only shows it and submits at zero.
  var timer = document.getElementById("timer");
  if (timer) {
    var deadline = Date.parse(timer.dataset.deadline);
    var out = document.getElementById("timer-value");
    var warn = document.getElementById("timer-warning");
    var warned = {};
    var tick = function () {
      // Round up: show 0 and submit only once the deadline has really passed, not a second early.
      var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      out.textContent = m + " min " + (s < 10 ? "0" : "") + s + " s";
      [300, 60].forEach(function (mark) {
        if (left <= mark && !warned[mark] && left > 0) {
          warned[mark] = true;
          warn.textContent = (mark / 60) + " minute" + (mark > 60 ? "s" : "") + " left. Your answers are saved.";
        }
      });
      if (left === 0 && !submitting) {
        submitting = true;
        setStatus("Time is up. Submitting your saved answers…");
        var flag = document.createElement("input");
        flag.type = "hidden"; flag.name = "timed_out"; flag.value = "1";
        form.appendChild(flag);
        submitWhenSaved(Math.max(0, (grace - 1) * 1000));
        return;
      }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
