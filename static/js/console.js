/* Service console behaviour (no inline scripts, so a strict CSP can forbid them):
   - "/" focuses the search box from anywhere without typing a slash into it;
     arrows move through hits, Enter opens, Escape closes;
   - after an htmx action, the message beside the control is brought into view if the
     swap moved it off screen, and a refused field gets the focus back;
   - "Dismiss" / "Got it" buttons on console alerts;
   - polled panels (hx-trigger="every Ns") skip a poll while the agent works in them
     (data-poll-pause-while-focused) or while a selector matches (data-poll-pause-while):
     a listener instead of htmx trigger filters, which need eval and a CSP forbids it. */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail && e.detail.elt;
    if (!elt || !elt.hasAttribute) return;
    if (elt.hasAttribute("data-poll-pause-while-focused") && elt.contains(document.activeElement)) {
      e.preventDefault();
      return;
    }
    var selector = elt.getAttribute("data-poll-pause-while");
    if (selector && document.querySelector(selector)) e.preventDefault();
  });
  function searchBox() { return document.getElementById("console-q"); }
  function results() { return document.getElementById("console-search-results"); }
  function hits() { return Array.from(document.querySelectorAll("#console-search-results [data-hit]")); }
  function typing(el) {
    if (!el) return false;
    return el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  }

  document.addEventListener("keydown", function (e) {
    var q = searchBox();
    if (!q) return;
    var active = document.activeElement;
    if (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // Outside any field, or in the (still empty) search box itself: focus search, type nothing.
      if (!typing(active) || (active === q && q.value === "")) {
        e.preventDefault();
        q.focus();
        q.select();
      }
      return;
    }
    var list = hits();
    if (!list.length) return;
    var i = list.indexOf(active);
    if (e.key === "ArrowDown" && (active === q || i >= 0)) {
      e.preventDefault(); list[Math.min(i + 1, list.length - 1)].focus();
    } else if (e.key === "ArrowUp" && i >= 0) {
      e.preventDefault(); if (i === 0) { q.focus(); } else { list[i - 1].focus(); }
    } else if (e.key === "Enter" && active === q) {
      e.preventDefault(); window.location = list[0].href;
    } else if (e.key === "Escape" && (active === q || i >= 0)) {
      results().innerHTML = ""; q.focus();
    }
  });

  document.addEventListener("click", function (e) {
    var dismiss = e.target.closest("[data-dismiss]");
    if (dismiss) { var box = dismiss.closest(".alert, .feedback"); if (box) box.remove(); return; }
    // A click outside the header search closes its results.
    var header = document.querySelector(".header-console-search");
    if (header && !header.contains(e.target) && results() && header.contains(results())) results().innerHTML = "";
  });

  function inView(el) {
    var r = el.getBoundingClientRect();
    return r.top >= -1 && r.bottom <= (window.innerHeight || document.documentElement.clientHeight) + 1;
  }

  document.addEventListener("htmx:afterSettle", function (e) {
    var root = e.detail && e.detail.elt;
    if (!root || !root.querySelector) return;
    var fb = root.matches && root.matches("[data-feedback]") ? root : root.querySelector("[data-feedback]");
    if (!fb) return;
    if (!inView(fb)) fb.scrollIntoView({ block: "nearest" });
    if (!fb.classList.contains("success")) {
      var form = fb.closest("form");
      var bad = form && form.querySelector("[aria-invalid=true]");
      if (bad) bad.focus({ preventScroll: true });
    }
  });
})();
