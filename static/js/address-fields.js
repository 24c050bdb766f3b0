// Changing the country redraws the address fields for that country (htmx swaps the block).
// The request carries what was typed when it left; anything typed while it was in flight
// is carried into the redrawn fields here, so a fast typist on a slow line loses nothing.
(function () {
  "use strict";
  var pending = null;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var block = event.detail.target;
    if (!block || !block.classList || !block.classList.contains("address-fields")) return;
    var typed = {};
    block.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (field) {
      if (field.type !== "checkbox" && field.type !== "radio" && field.type !== "hidden" && field.value) {
        typed[field.name] = field.value;
      }
    });
    pending = { form: block.closest("form") || document, typed: typed };
  });

  // A country chosen before the page's scripts were ready (a quick hand, a slow page) or
  // restored by the browser (back button, autofill) fires no redraw that htmx sees: once htmx
  // is ready, a block drawn for another country than its select shows is redrawn.
  function redrawStale() {
    document.querySelectorAll(".address-fields[data-country]").forEach(function (block) {
      var select = block.querySelector("select[hx-get]");
      if (select && window.htmx && select.value && select.value !== block.dataset.country) {
        window.htmx.trigger(select, "change");
      }
    });
  }
  document.addEventListener("htmx:load", function (event) {
    if (event.detail && event.detail.elt === document.body) redrawStale();
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) redrawStale();
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!pending) return;
    var typed = pending.typed;
    var block = pending.form.querySelector(".address-fields");
    pending = null;
    if (!block) return;
    Object.keys(typed).forEach(function (name) {
      var field = block.querySelector('[name="' + CSS.escape(name) + '"]');
      if (!field || field.value === typed[name]) return;
      if (field.tagName === "SELECT" && !field.querySelector('option[value="' + CSS.escape(typed[name]) + '"]')) return;
      field.value = typed[name];
    });
  });
})();
