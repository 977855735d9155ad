// Autosave, timer and submit for the attempt page. Works without cookies: the launch
// token (lt) rides in every request. Saves carry a per-question sequence number so a
// retried or late save can never overwrite a newer answer.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form) return;
  var saveUrl = form.dataset.saveUrl;
  var statusEl = document.getElementById("save-status");
  var tokenInput = form.querySelector("input[name=lt]");
  var seqs = {};      // position -> last seq sent
  var pending = {};   // position -> true while a save is outstanding or queued
  var retryTimer = null;
  var submitting = false;

  function setStatus(text) { statusEl.textContent = text; }

  function itemData(section) {
    var fd = new FormData();
    section.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.disabled) return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      fd.append(el.name, el.value);
    });
    return fd;
  }

  function save(section) {
    var pos = section.dataset.position;
    seqs[pos] = (seqs[pos] || Date.now()) + 1;  // start from a clock so reloads keep increasing
    var fd = itemData(section);
    fd.append("position", pos);
    fd.append("seq", String(seqs[pos]));
    pending[pos] = true;
    setStatus("Saving…");
    return fetch(saveUrl, {method: "POST", body: fd, headers: {"X-Launch-Token": tokenInput.value, "Accept": "application/json"},
                           credentials: "omit"})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, status: r.status, body: body}; }); })
      .then(function (res) {
        if (res.ok) {
          delete pending[pos];
          if (res.body.lt) tokenInput.value = res.body.lt;
          updateUnanswered(res.body.unanswered || []);
          if (Object.keys(pending).length === 0) setStatus("All answers saved.");
        } else if (res.status === 409) {
          setStatus(res.body.error || "This attempt is closed.");
          window.location.reload();
        } else if (res.status === 400) {
          delete pending[pos];
          setStatus("Question " + pos + " not saved: " + (res.body.error || "invalid answer"));
        } else { throw new Error(res.body.error || "save failed"); }
      })
      .catch(function () {
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
        if (section) save(section);
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

  form.addEventListener("submit", function (ev) {
    if (submitting) { ev.preventDefault(); return; }   // a double click submits once
    submitting = true;
    document.getElementById("submit-button").disabled = true;
    setStatus("Submitting…");
  });

  // Timer: the server enforces the deadline; this only shows it and submits at zero.
  var timer = document.getElementById("timer");
  if (timer) {
    var deadline = Date.parse(timer.dataset.deadline);
    var out = document.getElementById("timer-value");
    var warn = document.getElementById("timer-warning");
    var warned = {};
    var tick = function () {
      var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
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
        form.submit();
        return;
      }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
