"use strict";
(function () {
  var scenarios = Array.prototype.slice.call(document.querySelectorAll("details.scenario"));
  var boxes = Array.prototype.slice.call(document.querySelectorAll("#filter-status input[name=status]"));
  var tag = document.getElementById("filter-tag");
  var req = document.getElementById("filter-req");
  var text = document.getElementById("filter-text");
  var shown = document.getElementById("shown");
  function words(s) { return s ? s.split(" ") : []; }
  function apply() {
    var statuses = {};
    boxes.forEach(function (b) { statuses[b.value] = b.checked; });
    var t = tag.value, r = req.value, q = text.value.trim().toLowerCase();
    var n = 0;
    scenarios.forEach(function (el) {
      var ok = statuses[el.dataset.status] === true &&
        (t === "" || words(el.dataset.tags).indexOf(t) >= 0) &&
        (r === "" || words(el.dataset.reqs).indexOf(r) >= 0) &&
        (q === "" || el.dataset.text.indexOf(q) >= 0);
      el.classList.toggle("hidden", !ok);
      if (ok) { n++; }
    });
    shown.textContent = n + " shown";
  }
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  [tag, req].forEach(function (s) { s.addEventListener("change", apply); });
  text.addEventListener("input", apply);
  if (location.hash) {
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  apply();
})();
