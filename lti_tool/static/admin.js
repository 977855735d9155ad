// Admin and registration pages: copy buttons, and closing the platform's registration frame.
(function () {
  "use strict";
  function closeRegistration() {
    // LTI Dynamic Registration: the platform closes its frame on this message.
    var message = { subject: "org.imsglobal.lti.close" };
    if (window.opener) { window.opener.postMessage(message, "*"); }
    if (window.parent && window.parent !== window) { window.parent.postMessage(message, "*"); }
    if (!window.opener && window.parent === window) { window.close(); }
  }
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-lti-close], [data-copy]");
    if (!target) { return; }
    if (target.hasAttribute("data-lti-close")) {
      event.preventDefault();
      closeRegistration();
      return;
    }
    var source = document.getElementById(target.getAttribute("data-copy"));
    var status = document.getElementById(target.getAttribute("data-copy") + "-status");
    if (!source || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(source.value || source.textContent.trim()).then(function () {
      if (status) { status.textContent = "Copied"; setTimeout(function () { status.textContent = ""; }, 3000); }
    }, function () {
      if (status) { status.textContent = "Copy failed; select the text and copy it"; }
    });
  });
}());
