/* Listing filters start folded on phones (no inline script: the CSP forbids those). */
(function () {
  "use strict";
  if (!window.matchMedia("(max-width: 720px)").matches) return;
  document.querySelectorAll("details[data-collapsible][open]").forEach(function (d) {
    d.removeAttribute("open");
  });
})();
