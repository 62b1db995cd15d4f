/* Small enhancements; every page works without them. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // A number stepper: [data-stepper] holds an <input type=number> and −/+ buttons.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-step]");
    if (!button) return;
    var input = button.closest("[data-stepper]").querySelector("input");
    var min = parseInt(input.min || "1", 10), max = parseInt(input.max || "999", 10);
    var value = (parseInt(input.value, 10) || min) + parseInt(button.dataset.step, 10);
    input.value = Math.min(max, Math.max(min, value));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  // The print button of the printable form.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
