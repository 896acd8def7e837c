// Draws each chart from the same figures as the table beneath it.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var colours = ["#005eb8", "#007f3b", "#7a4100", "#330072", "#d5281b"];
  JSON.parse(source.textContent).forEach(function (chart) {
    var canvas = document.getElementById("chart-" + chart.key);
    if (!canvas) { return; }
    new Chart(canvas, {
      type: chart.kind === "line" ? "line" : "bar",
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, index) {
          return { label: series.label, data: series.values, backgroundColor: colours[index % colours.length],
                   borderColor: colours[index % colours.length], spanGaps: false };
        })
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { display: chart.series.length > 1 } },
                 scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  });
})();
