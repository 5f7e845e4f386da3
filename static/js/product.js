// Variant picker: show the chosen variant's price, tiers, SKU and stock without a reload.
// The server renders every variant's figures into data attributes; without JS the form's
// "Show" button reloads the page with ?variant=<id>.
(function () {
  "use strict";
  var select = document.querySelector("[data-variant-select]");
  var box = document.querySelector("[data-price-box]");
  if (!select || !box) return;
  document.querySelectorAll("[data-no-js]").forEach(function (el) { el.hidden = true; });

  function slot(name) {
    return box.querySelector('[data-slot="' + name + '"]');
  }

  function show(name, text) {
    var el = slot(name);
    el.textContent = text || "";
    el.hidden = !text;
  }

  select.addEventListener("change", function () {
    var data = select.options[select.selectedIndex].dataset;
    slot("price").textContent = data.price;
    show("base-price", data.basePrice);
    show("promotion", data.promotion);
    show("tiers", data.tiers);
    slot("sku").textContent = data.sku;
    slot("stock").textContent = data.stock;
    var url = new URL(window.location.href);
    url.searchParams.set("variant", select.value);
    window.history.replaceState(null, "", url);
  });
})();
