// Moving the launch token to a student page without putting it in a URL. Two forms use this:
// - #handoff (templates/handoff.html), a hop between two pages: post the token to the next
//   page in the form body; or, when /lti/cookie-check says this browser keeps Rapport's
//   partitioned cookie, open the next page with a plain GET.
// - #launch-settle (templates/base.html), on a page served in the launch's own response
//   (blueprints/student.launch_page), whose URL is still the launch's: reloading it would post
//   the used id_token again. Where the cookie is kept the page takes its own URL in place
//   (history.replaceState: a reload is then a GET the cookie opens); elsewhere it posts the
//   token there, as a hop does.
(function () {
  "use strict";
  var form = document.getElementById("handoff") || document.getElementById("launch-settle");
  if (!form) return;
  var settle = form.id === "launch-settle";
  var url = form.getAttribute("action");
  var check = form.getAttribute("data-check-url");
  function post() { form.submit(); }
  if (!check || !window.fetch || (settle && !(window.history && window.history.replaceState))) { post(); return; }
  fetch(check, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (r) { return r.ok ? r.json() : {kept: false}; })
    .then(function (body) {
      if (!(body && body.kept)) post();
      else if (settle) window.history.replaceState(window.history.state, "", url);
      else window.location.replace(url);
    })
    .catch(post);
})();
