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
