// Draws the staff dashboard's charts from the JSON the page carries (#dashboard-charts).
// Without JavaScript, or without Chart.js, the data tables under each chart stay open and say it all.
(function () {
  "use strict";
  var PALETTE = ["#1f5fa8", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0f766e", "#a16207", "#4338ca"];

  function draw() {
    var source = document.getElementById("dashboard-charts");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var charts = JSON.parse(source.textContent);
    document.querySelectorAll(".chart[data-chart]").forEach(function (holder) {
      var spec = charts[holder.dataset.chart];
      if (!spec) {
        return;
      }
      var canvas = document.createElement("canvas");
      // The canvas is a picture of the table below it: named by the figure's caption.
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-labelledby", holder.dataset.labelledby);
      holder.appendChild(canvas);
      var datasets = spec.datasets.map(function (dataset, index) {
        var colour = PALETTE[index % PALETTE.length];
        return {
          label: dataset.label,
          data: dataset.data,
          backgroundColor: colour,
          borderColor: colour,
          spanGaps: true,
        };
      });
      new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: datasets },
        options: {
          animation: false,
          maintainAspectRatio: false,
          scales: {
            x: { stacked: !!spec.stacked },
            y: { stacked: !!spec.stacked, beginAtZero: true, title: { display: !!spec.unit, text: spec.unit } },
          },
        },
      });
      holder.dataset.drawn = "true";
      var details = holder.parentElement.querySelector("details.chart-data");
      if (details) {
        details.open = false;
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
