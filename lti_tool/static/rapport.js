// Every page: live well inside an LMS iframe. Ask the platform to size the frame to the
// content (lti.frameResize, which Canvas honours; others ignore it), and after a page
// change bring the top of the page into view instead of leaving the LMS page scrolled.
(function () {
  "use strict";
  if (window.parent === window) return;
  var last = 0;
  function resize() {
    var h = Math.ceil(document.documentElement.scrollHeight);
    if (Math.abs(h - last) < 2) return;
    last = h;
    try { window.parent.postMessage({subject: "lti.frameResize", height: h}, "*"); } catch (e) { /* not framed by an LMS */ }
  }
  window.rapportFrameResize = resize;
  window.addEventListener("load", function () {
    resize();
    // The top of a new page, not wherever the LMS page happened to be scrolled.
    var main = document.getElementById("main");
    var fromUs = document.referrer && document.referrer.indexOf(location.origin + "/") === 0;
    if (main && fromUs && !location.hash && main.scrollIntoView) main.scrollIntoView({block: "start"});
  });
  if (window.ResizeObserver) new ResizeObserver(resize).observe(document.body);
})();
