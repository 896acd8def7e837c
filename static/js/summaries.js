// While a summary is being prepared, check on it every few seconds and show
// the download link when it is ready. Without JavaScript, "Check on it" opens its own page.
(function () {
  "use strict";
  var cells = document.querySelectorAll("[data-summary-status]");
  cells.forEach(function (cell) {
    if (!cell.querySelector(".preparing")) { return; }
    var tries = 0;
    var timer = setInterval(function () {
      tries += 1;
      if (tries > 120) { clearInterval(timer); return; }
      fetch(cell.getAttribute("data-summary-status"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          if (data.status === "ready" && data.download) {
            clearInterval(timer);
            cell.textContent = "";
            var link = document.createElement("a");
            link.href = data.download;
            link.textContent = "Download PDF";
            cell.appendChild(link);
          } else if (data.status === "failed" || data.slow) {
            // Failed, or taking longer than usual: its own page says what happened and can start it again.
            clearInterval(timer);
            cell.textContent = data.status === "failed" ? "Could not be prepared — " : "Taking longer than usual — ";
            var again = document.createElement("a");
            again.href = data.page;
            again.textContent = "see what you can do";
            cell.appendChild(again);
          } else {
            var label = cell.querySelector(".preparing");
            if (label) { label.textContent = data.label + "…"; }
          }
        })
        .catch(function () { /* try again on the next tick */ });
    }, 2000);
  });
})();
