// The hop between two student pages (templates/handoff.html): post the launch token to the next
// page in the form body; or, when /lti/cookie-check says this browser keeps Rapport's
// partitioned cookie, open the next page with a plain GET (no token anywhere in the URL).
(function () {
  "use strict";
  var form = document.getElementById("handoff");
  if (!form) return;
  var check = form.getAttribute("data-check-url");
  if (!check || !window.fetch) { form.submit(); return; }
  fetch(check, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (r) { return r.ok ? r.json() : {kept: false}; })
    .then(function (body) {
      if (body && body.kept) window.location.replace(form.getAttribute("data-url"));
      else form.submit();
    })
    .catch(function () { form.submit(); });
})();
