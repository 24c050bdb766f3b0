/* Product page variant picker: choose colour and size; unavailable combinations are disabled,
   price, stock state and the hidden variant_id follow the choice. Works without a framework. */
(function () {
  var dataEl = document.getElementById("variant-data");
  var form = document.getElementById("add-to-cart");
  if (!dataEl || !form) return;
  var variants = JSON.parse(dataEl.textContent);
  var currency = (document.getElementById("price") || {}).textContent || "";
  var symbol = currency.replace(/[0-9.,\s]/g, "");

  function chosen(name) {
    var el = form.querySelector('input[name="' + name + '"]:checked');
    return el ? el.value : "";
  }
  function find(size, colour) {
    for (var i = 0; i < variants.length; i++) {
      var v = variants[i];
      if ((v.size || "") === size && (v.colour || "") === colour) return v;
    }
    return null;
  }
  function money(value) {
    var n = Number(value);
    return symbol + n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  function update() {
    var colour = chosen("colour"), size = chosen("size");
    // Disable sizes that do not exist or are sold out in the chosen colour.
    form.querySelectorAll('input[name="size"]').forEach(function (input) {
      var v = find(input.value, colour);
      var unavailable = !v || v.stock <= 0;
      input.disabled = unavailable;
      input.closest("label").classList.toggle("unavailable", unavailable);
      input.closest("label").title = !v ? form.dataset.notMade : (v.stock <= 0 ? form.dataset.soldOut : "");
    });
    var v = find(size, colour);
    if ((!v || v.stock <= 0)) {
      // Move to the first size still available in this colour.
      var first = form.querySelector('input[name="size"]:not(:disabled)');
      if (first && first.value !== size) { first.checked = true; size = first.value; v = find(size, colour); }
    }
    var state = document.getElementById("stock-state");
    var button = document.getElementById("add-button");
    var qty = document.getElementById("quantity");
    // The chosen colour's name as its chip shows it (in the reader's language).
    var colourInput = form.querySelector('input[name="colour"]:checked');
    document.getElementById("colour-chosen") && (document.getElementById("colour-chosen").textContent = colourInput ? colourInput.closest("label").textContent.trim() : colour);
    document.getElementById("size-chosen") && (document.getElementById("size-chosen").textContent = size);
    if (!v) {
      state.textContent = form.dataset.unavailable;
      state.className = "pill danger";
      button.disabled = true;
      return;
    }
    document.getElementById("variant_id").value = v.id;
    document.getElementById("price").textContent = v.price_display || money(v.price);
    var compare = document.getElementById("compare-at");
    if (compare) { compare.hidden = !v.compare_at; compare.textContent = v.compare_at ? (v.compare_at_display || money(v.compare_at)) : ""; }
    state.textContent = v.stock_label;
    state.className = "pill " + v.stock_tone;
    document.getElementById("sku").textContent = form.dataset.sku.replace("%s", v.sku);
    button.disabled = v.stock <= 0;
    qty.max = Math.max(1, v.stock);
    if (Number(qty.value) > v.stock && v.stock > 0) qty.value = v.stock;
    // Show an image of the chosen colour when there is one.
    var thumb = document.querySelector('.gallery-thumb[data-colour="' + colour + '"]');
    if (thumb) document.getElementById("gallery-main").src = thumb.dataset.src;
  }
  form.addEventListener("change", function (e) {
    if (e.target.name === "colour" || e.target.name === "size") update();
  });
  document.querySelectorAll(".gallery-thumb").forEach(function (b) {
    b.addEventListener("click", function () { document.getElementById("gallery-main").src = b.dataset.src; });
  });
  update();
})();
