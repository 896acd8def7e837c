// Small enhancements; the form works the same without them.
(function () {
  "use strict";
  var form = document.querySelector("[data-submit-once]");
  if (!form) { return; }

  // Show the "who posted it" detail that matches the chosen answer.
  function refresh() {
    document.querySelectorAll("[data-show-when]").forEach(function (block) {
      var rule = block.getAttribute("data-show-when").split("=");
      var chosen = form.querySelector("input[name='" + rule[0] + "']:checked");
      block.hidden = !(chosen && chosen.value === rule[1]);
    });
  }
  form.addEventListener("change", refresh);
  refresh();

  // A second click while the first is sending does nothing (the server also
  // recognises a resubmitted form and shows the first receipt).
  form.addEventListener("submit", function (event) {
    var button = form.querySelector("button[type=submit]");
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
    if (button) { button.setAttribute("aria-disabled", "true"); button.textContent = "Sending…"; }
  });

  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
