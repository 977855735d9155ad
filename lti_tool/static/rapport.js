// Every page: live well inside an LMS iframe. Ask the platform to size the frame to the
// content (lti.frameResize, which Canvas honours; others ignore it), and after a page
// change bring the top of the page into view (lti.scrollToTop, and scrolling our own
// frame) instead of leaving the LMS page scrolled wherever it was.
//
// Messages go only to the LMS page's origin as the server knows it (data-lms-origins, from
// the registration and the launch: services/lms_frame.py), never to "*" when it is known.
// Whether this page follows one of Rapport's own comes from the server too (data-page-change,
// from Fetch Metadata): the no-referrer policy leaves document.referrer empty.
(function () {
  "use strict";
  if (window.parent === window) return;
  var body = document.body;
  var known = (body.dataset.lmsOrigins || "").split(" ").filter(Boolean);

  // The parent's own origin where the browser tells it (Chromium, Safari) and the server
  // agrees; otherwise every origin the server knows (the browser drops the others).
  function targets() {
    var anc = window.location.ancestorOrigins;
    if (anc && anc.length && known.indexOf(anc[0]) >= 0) return [anc[0]];
    return known;
  }
  function tell(message, anyOrigin) {
    var to = targets();
    if (!to.length && anyOrigin) to = ["*"];  // outside a launch: a height is no secret
    to.forEach(function (o) {
      try { window.parent.postMessage(message, o); } catch (e) { /* not framed by an LMS */ }
    });
  }

  var last = 0;
  function resize() {
    var h = Math.ceil(document.documentElement.scrollHeight);
    if (Math.abs(h - last) < 2) return;
    last = h;
    tell({subject: "lti.frameResize", height: h}, true);
  }
  // The top of the page in view: our own frame (a fixed-height frame, as in Moodle) and the
  // LMS page around it (a frame sized to the content, as in Canvas).
  function scrollTop() {
    window.scrollTo(0, 0);
    tell({subject: "lti.scrollToTop"}, false);
  }
  window.rapportFrameResize = resize;
  window.rapportScrollTop = scrollTop;

  function followsOurPage() {
    var flag = body.dataset.pageChange;
    if (flag !== undefined) return flag === "1";
    // A browser without Fetch Metadata: the referrer, where a policy leaves one.
    return !!document.referrer && document.referrer.indexOf(location.origin + "/") === 0;
  }
  window.addEventListener("load", function () {
    resize();
    if (followsOurPage() && !location.hash) scrollTop();
  });
  if (window.ResizeObserver) new ResizeObserver(resize).observe(document.body);
})();
