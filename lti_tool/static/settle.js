// A page served in the launch's own response (blueprints/student.launch_page) still has the
// launch's URL, and reloading it would post the used id_token again. Where this browser keeps
// Rapport's partitioned cookie (/lti/cookie-check), the page takes its own URL in place
// (history.replaceState: a reload is then a plain GET that the cookie opens); elsewhere it posts
// the launch token to that URL, as the hand-off page does, so a reload posts the token again.
(function () {
  "use strict";
  var form = document.getElementById("launch-settle");
  if (!form) return;
  var url = form.getAttribute("action");
  function post() { form.submit(); }
  if (!window.fetch || !window.history || !window.history.replaceState) { post(); return; }
  fetch(form.getAttribute("data-check-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (r) { return r.ok ? r.json() : {kept: false}; })
    .then(function (body) {
      if (body && body.kept) window.history.replaceState(window.history.state, "", url);
      else post();
    })
    .catch(post);
})();
