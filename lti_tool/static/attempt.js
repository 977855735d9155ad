// The attempt page: autosave, the exam header (time, save status, progress), the question
// navigator and flags, one question per page, case-study locks, timer and submit (the question
// widgets, select-N limits and ordered-response lists, are items.js's). Works without cookies:
// the launch token (lt) rides in every request. Saves carry a per-question sequence number so
// a retried or late save can never overwrite a newer answer.
// Without JavaScript the page still works: every question shows and the forms post normally.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form) return;
  var exam = document.getElementById("exam");
  var paged = exam.dataset.mode === "one_per_page";
  var total = parseInt(exam.dataset.total || "0", 10);
  var saveUrl = form.dataset.saveUrl;
  var grace = parseInt(form.dataset.graceSeconds || "0", 10);
  var statusEl = document.getElementById("save-status");
  var submitStatus = document.getElementById("submit-save-status");
  var tokenInput = form.querySelector("input[name=lt]");
  var seqs = {};      // position -> last seq sent
  var pending = {};   // position -> true until the newest answer for it is saved
  var inflight = {};  // position -> true while a save request is out
  var dirty = {};     // position -> true if the answer changed while a save was out
  var failing = {};   // position -> true while its save cannot reach the server
  var retryTimer = null;
  var submitting = false;
  // The form says which of its answers the server may not have: none yet (autosave runs here).
  var freshInput = document.getElementById("fresh-answers");
  if (freshInput) freshInput.value = "";
  function markFresh() { if (freshInput) freshInput.value = Object.keys(pending).join(","); }

  function headers() { return {"X-Launch-Token": tokenInput.value, "Accept": "application/json"}; }
  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.classList.toggle("is-error", !!isError);
  }
  function itemStatus(pos, text) {
    var el = document.getElementById("status-" + pos);
    if (el) { el.textContent = text; el.hidden = !text; }
  }
  function nothingPending() { return Object.keys(pending).length === 0; }
  function refreshSubmitStatus() {
    var bad = Object.keys(failing);
    if (!submitStatus) return;
    submitStatus.hidden = bad.length === 0;
    submitStatus.textContent = bad.length ? "Not saved yet: question" + (bad.length > 1 ? "s " : " ") + bad.join(", ") +
      ". Rapport keeps trying; keep this page open. Submitting also sends the answers on this page." : "";
  }

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
    return fetch(saveUrl, {method: "POST", body: fd, headers: headers(), credentials: "omit"})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, status: r.status, body: body}; }); })
      .then(function (res) {
        inflight[pos] = false;
        if (res.ok) {
          itemStatus(pos, "");
          delete failing[pos]; refreshSubmitStatus();
          if (res.body.lt) tokenInput.value = res.body.lt;
          updateUnanswered(res.body.unanswered || []);
          if (dirty[pos]) { send(section); return; }
          delete pending[pos];
          if (nothingPending()) setStatus("All answers saved.");
        } else if (res.status === 409) {
          pending = {};
          setStatus(res.body.error || "This attempt is closed.", true);
          window.location.reload();
        } else if (res.status === 400 || res.status === 423) {
          if (dirty[pos]) { send(section); return; }
          delete pending[pos];
          delete failing[pos]; refreshSubmitStatus();
          // Say so next to the question too, so the page does not look saved when it is not.
          itemStatus(pos, "Not saved: " + String(res.body.error || "this answer is not valid").replace(/\.?$/, ".") +
                     " Your last valid answer is kept.");
          setStatus("Question " + pos + " not saved: " + (res.body.error || "invalid answer"), true);
        } else { throw new Error(res.body.error || "save failed"); }
      })
      .catch(function () {
        inflight[pos] = false;
        failing[pos] = true;
        setStatus("Not saved – retrying…", true);
        itemStatus(pos, "Not saved yet – Rapport is retrying. Keep this page open.");
        refreshSubmitStatus();
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

  // --- progress, navigator and the submit summary -------------------------------------
  function links(list, id) {
    var span = document.getElementById(id);
    span.innerHTML = "";
    list.forEach(function (p, i) {
      var a = document.createElement("a");
      a.href = "#question-" + p; a.textContent = "Question " + p;
      span.appendChild(a);
      if (i < list.length - 1) span.appendChild(document.createTextNode(", "));
    });
  }

  function navState(pos, answered) {
    var a = document.getElementById("nav-" + pos);
    if (!a || a.classList.contains("nav-not-yet-open") || a.classList.contains("nav-locked")) return;
    var flagged = a.classList.contains("nav-flagged");
    a.classList.toggle("nav-answered", answered);
    a.classList.toggle("nav-unanswered", !answered);
    a.querySelector(".nav-mark").textContent = (answered ? "✓" : "") + (flagged ? "⚑" : "");
    a.querySelector(".nav-state").textContent = "Question " + pos + ": " + (answered ? "answered" : "unanswered") +
      (flagged ? ", flagged for review" : "");
  }

  function updateUnanswered(list) {
    var box = document.getElementById("unanswered");
    box.hidden = list.length === 0;
    links(list, "unanswered-list");
    var missing = {};
    list.forEach(function (p) { missing[String(p)] = true; });
    for (var p = 1; p <= total; p++) navState(p, !missing[String(p)]);
    var count = document.getElementById("answered-count");
    if (count) count.textContent = String(total - list.length);
  }

  function updateFlagged() {
    var list = [];
    document.querySelectorAll(".flag-button[aria-pressed=true]").forEach(function (b) { list.push(b.dataset.position); });
    document.getElementById("flagged").hidden = list.length === 0;
    links(list, "flagged-list");
  }

  document.querySelectorAll(".flag-button").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var on = btn.getAttribute("aria-pressed") !== "true";
      var pos = btn.dataset.position;
      btn.setAttribute("aria-pressed", on ? "true" : "false");
      btn.querySelector(".flag-text").textContent = on ? "Flagged for review" : "Flag for review";
      var a = document.getElementById("nav-" + pos);
      if (a) { a.classList.toggle("nav-flagged", on); navState(pos, a.classList.contains("nav-answered")); }
      updateFlagged();
      var fd = new FormData();
      fd.append("position", pos); fd.append("flagged", on ? "1" : "0");
      fetch(form.dataset.flagUrl, {method: "POST", body: fd, headers: headers(), credentials: "omit"})
        .then(function (r) { return r.json(); })
        .then(function (body) { if (body.lt) tokenInput.value = body.lt; })
        .catch(function () { itemStatus(pos, "The flag was not saved; it shows on this page only."); });
    });
  });

  // Select-N limits and the ordered-response list are items.js's (loaded first): a refused
  // tick never reaches this listener; anything else that changes is saved.
  form.addEventListener("change", function (ev) {
    var section = ev.target.closest(".question");
    if (section) save(section);
  });

  // --- one question per page --------------------------------------------------------
  var current = null;
  function pageFor(hash) {
    var id = (hash || "").replace(/^#/, "");
    var el = id && document.getElementById(id);
    if (el && el.classList.contains("exam-page")) return el;
    if (el) return el.closest(".exam-page");
    return null;
  }
  function show(page, focus) {
    if (!page) return;
    if (current) current.classList.remove("is-current");
    current = page;
    page.classList.add("is-current");
    document.querySelectorAll(".nav-q").forEach(function (a) { a.removeAttribute("aria-current"); });
    var navId = page.id === "submit-box" ? "nav-submit" : "nav-" + page.dataset.position;
    var link = document.getElementById(navId);
    if (link) link.setAttribute("aria-current", "step");
    try { sessionStorage.setItem("rapport-page-" + form.action, page.id); } catch (e) { /* storage blocked */ }
    var nav = document.getElementById("navigator");
    nav.classList.remove("is-open");
    var toggle = document.getElementById("nav-toggle");
    toggle.setAttribute("aria-expanded", "false");
    if (focus) {
      page.focus({preventScroll: true});
      window.scrollTo(0, 0);
      if (window.rapportScrollTop) window.rapportScrollTop();  // the LMS page around the frame too
    }
    if (window.rapportFrameResize) window.rapportFrameResize();
  }
  if (paged) {
    exam.classList.add("is-paged");
    var toggle = document.getElementById("nav-toggle");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var nav = document.getElementById("navigator");
      var open = !nav.classList.contains("is-open");
      nav.classList.toggle("is-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) { var first = nav.querySelector("a"); if (first) first.focus(); }
    });
    var start = pageFor(location.hash);
    if (!start) {
      try { start = pageFor("#" + (sessionStorage.getItem("rapport-page-" + form.action) || "")); } catch (e) { start = null; }
    }
    show(start || document.querySelector(".exam-page"), false);
    window.addEventListener("hashchange", function () { show(pageFor(location.hash), true); });
  } else {
    window.addEventListener("hashchange", function () {
      var page = pageFor(location.hash);
      if (page) page.focus({preventScroll: true});
    });
  }

  // --- header height, for the sticky navigator and scroll margins -------------------------
  var header = document.getElementById("exam-header");
  function headerHeight() { document.documentElement.style.setProperty("--header-h", header.offsetHeight + "px"); }
  headerHeight();
  window.addEventListener("resize", headerHeight);

  // Submit (or lock a case answer) only once the answers being saved have reached the
  // server (at most a few seconds): otherwise a save in flight could arrive too late.
  function whenSaved(limitMs, then) {
    var until = Date.now() + limitMs;
    (function wait() {
      if (nothingPending() || Date.now() >= until) { then(); return; }
      setTimeout(wait, 100);
    })();
  }

  form.addEventListener("submit", function (ev) {
    if (submitting) { ev.preventDefault(); return; }   // a double click submits once
    var btn = ev.submitter;
    if (btn && btn.classList.contains("lock-button")) {
      submitting = true;
      setStatus("Locking your answer…");
      ev.preventDefault();
      whenSaved(5000, function () {
        var hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = "lock"; hidden.value = btn.value;
        form.appendChild(hidden);
        form.action = form.dataset.lockUrl;
        markFresh();
        form.submit();
      });
      return;
    }
    submitting = true;
    document.getElementById("submit-button").disabled = true;
    setStatus("Submitting…");
    markFresh();
    if (!nothingPending()) { ev.preventDefault(); whenSaved(5000, function () { markFresh(); form.submit(); }); }
  });

  // --- timer: the server enforces the deadline; this shows it, warns, and submits at zero --
  var timer = document.getElementById("timer");
  if (timer) {
    var deadline = Date.parse(timer.dataset.deadline);
    var out = document.getElementById("timer-value");
    var warnBox = document.getElementById("timer-warning");
    var warnText = document.getElementById("timer-warning-text");
    var extendBtn = document.getElementById("extend-time");
    var warned = {};
    var fmt = function (left) {
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      return (h ? h + " h " : "") + m + " min " + (s < 10 ? "0" : "") + s + " s";
    };
    if (extendBtn) {
      extendBtn.addEventListener("click", function () {
        extendBtn.disabled = true;
        fetch(form.dataset.extendUrl, {method: "POST", headers: headers(), credentials: "omit"})
          .then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); })
          .then(function (res) {
            extendBtn.disabled = false;
            if (res.body.lt) tokenInput.value = res.body.lt;
            if (!res.ok) { warnText.textContent = res.body.error || "More time could not be added."; return; }
            deadline = Date.parse(res.body.deadline);
            timer.dataset.deadline = res.body.deadline;
            warned = {};
            warnText.textContent = "Time added. You now have " + fmt(Math.ceil((deadline - Date.now()) / 1000)) + ".";
          })
          .catch(function () { extendBtn.disabled = false; warnText.textContent = "More time could not be added: no connection. Try again."; });
      });
    }
    var tick = function () {
      // Round up: show 0 and submit only once the deadline has really passed, not a second early.
      var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      out.textContent = fmt(left);
      timer.classList.toggle("is-low", left <= 300);
      [300, 60].forEach(function (mark) {
        if (left <= mark && !warned[mark] && left > 0) {
          warned[mark] = true;
          warnBox.hidden = false;
          warnText.textContent = (mark / 60) + " minute" + (mark > 60 ? "s" : "") + " left. Your answers are saved." +
            (extendBtn ? " You can add more time." : "");
          headerHeight();
        }
      });
      if (left === 0 && !submitting) {
        submitting = true;
        setStatus("Time is up. Submitting your saved answers…");
        var flag = document.createElement("input");
        flag.type = "hidden"; flag.name = "timed_out"; flag.value = "1";
        form.appendChild(flag);
        whenSaved(Math.max(0, (grace - 1) * 1000), function () { markFresh(); form.submit(); });
        return;
      }
      setTimeout(tick, 1000);
    };
    tick();
  }
  exam.dataset.ready = "1";  // for tests: the page's behaviour is in place
})();
