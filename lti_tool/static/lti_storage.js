// LTI Platform Storage ("LTI Client Side postMessages", 1EdTech): keep the OIDC login's check in
// the LMS page's storage for Rapport, so launches work where the browser blocks cookies in the
// LMS frame. One form#lti-storage, three modes:
//   probe  ask the parent (lti.capabilities) whether it offers lti.put_data / lti.get_data, then
//          post the login again, naming the frame to use (lti_storage_target) or none;
//   put    store the login's secret (lti.put_data), then go on to the LMS's sign-in;
//   get    read it back at launch (lti.get_data), clear it, and post the launch again with it.
// Whatever the LMS does or does not answer, the page goes on after data-timeout ms: the server
// decides (a missing answer falls back to the login's cookie).
(function () {
  "use strict";
  var form = document.getElementById("lti-storage");
  if (!form) return;
  var mode = form.getAttribute("data-mode");
  var timeout = parseInt(form.getAttribute("data-timeout"), 10) || 2000;
  var framed = window.parent && window.parent !== window;

  function messageId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return String(Date.now()) + "-" + Math.random().toString(36).slice(2);
  }

  // Send {subject, ...} and call done(response data, or null when nothing came in time).
  function ask(target, targetOrigin, message, accept, done) {
    var id = messageId(), finished = false;
    message.message_id = id;
    function finish(data) {
      if (finished) return;
      finished = true;
      window.removeEventListener("message", listen);
      done(data);
    }
    function listen(event) {
      var d = event.data;
      if (!d || typeof d !== "object" || d.message_id !== id || d.subject !== message.subject + ".response") return;
      if (!accept(event)) return;
      finish(d);
    }
    window.addEventListener("message", listen);
    setTimeout(function () { finish(null); }, timeout);
    try { target.postMessage(message, targetOrigin); } catch (e) { finish(null); }
  }

  // The frame named by lti_storage_target ("_parent" or a sibling such as Canvas's
  // post_message_forwarding), sent to the platform's origin; when that frame is missing, the
  // parent with "*" (Canvas accepts this inside its rich content editor).
  function storageFrame() {
    var name = form.getAttribute("data-target"), origin = form.getAttribute("data-origin") || "*";
    if (name !== "_parent") {
      try {
        var sibling = window.parent.frames[name];
        if (sibling && sibling !== window) return {win: sibling, origin: origin, strict: true};
      } catch (e) { /* fall through to the parent */ }
      return {win: window.parent, origin: "*", strict: false};
    }
    return {win: window.parent, origin: origin, strict: true};
  }

  function fromStorage(frame) {
    return function (event) {
      if (frame.strict && frame.origin !== "*") return event.origin === frame.origin;
      return event.source === frame.win || event.source === window.parent;
    };
  }

  if (mode === "probe") {
    if (!framed) { form.submit(); return; }
    ask(window.parent, "*", {subject: "lti.capabilities"},
      function (event) { return event.source === window.parent; },
      function (data) {
        var put = null, get = null;
        var list = data && Array.isArray(data.supported_messages) ? data.supported_messages : [];
        list.forEach(function (m) {
          if (m && m.subject === "lti.put_data") put = m;
          if (m && m.subject === "lti.get_data") get = m;
        });
        if (put && get) form.elements.lti_storage_target.value = put.frame || "_parent";
        form.submit();
      });
    return;
  }

  if (mode === "put") {
    var authUrl = form.getAttribute("data-auth-url");
    if (!framed) { window.location.replace(authUrl); return; }
    var target = storageFrame();
    ask(target.win, target.origin,
      {subject: "lti.put_data", key: form.getAttribute("data-key"), value: form.getAttribute("data-value")},
      fromStorage(target),
      function () { window.location.replace(authUrl); });
    return;
  }

  if (mode === "get") {
    if (!framed) { form.submit(); return; }
    var frame = storageFrame(), key = form.getAttribute("data-key");
    ask(frame.win, frame.origin, {subject: "lti.get_data", key: key}, fromStorage(frame), function (data) {
      if (data && !data.error && typeof data.value === "string" && data.value) {
        var field = form.elements.rapport_storage_value;
        field.value = data.value;
        field.disabled = false;
        form.elements.rapport_storage.disabled = true;
        // Used once: clear it, so the platform's per-tool quota (Canvas: 500 keys) never fills up.
        try {
          frame.win.postMessage({subject: "lti.put_data", key: key, value: null, message_id: messageId()}, frame.origin);
        } catch (e) { /* the launch goes on either way */ }
      }
      form.submit();
    });
  }
})();
