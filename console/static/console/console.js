/* The console's charts: each <canvas id="X-chart"> is drawn from the JSON in
   <script id="X-data">, {type, labels, datasets: [{label, data}]}. The same numbers are in
   the table beside each chart. No other script runs on these pages but htmx. */
(function () {
  "use strict";
  var palette = ["#1f4e78", "#2e86c1", "#48c9b0", "#f5b041", "#cb4335", "#7d3c98"];
  function draw() {
    if (typeof Chart === "undefined") { return; }
    document.querySelectorAll("canvas[id$='-chart']").forEach(function (canvas) {
      var source = document.getElementById(canvas.id.replace(/-chart$/, "-data"));
      if (!source || canvas.dataset.drawn) { return; }
      var spec = JSON.parse(source.textContent);
      spec.datasets.forEach(function (set, index) {
        set.backgroundColor = set.backgroundColor || palette[index % palette.length];
      });
      new Chart(canvas, {
        type: spec.type || "bar",
        data: { labels: spec.labels, datasets: spec.datasets },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          indexAxis: spec.horizontal ? "y" : "x",
          plugins: { legend: { position: "bottom" } },
          scales: spec.type === "doughnut" ? {} : { x: { stacked: !!spec.stacked }, y: { stacked: !!spec.stacked, beginAtZero: true } }
        }
      });
      canvas.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
}());
