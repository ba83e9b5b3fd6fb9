/* Monthly summary chart: packages per month by category, drawn with Chart.js from the
 * JSON the page embeds with json_script. The table stays the primary view; without
 * JavaScript (or Chart.js) the chart box simply stays hidden. */
(function () {
  "use strict";

  var COLORS = {
    food: "#2e7d32",
    medical: "#c62828",
    shelter: "#6d4c41",
    hygiene: "#0277bd",
    education: "#f9a825",
    emergency: "#6a1b9a"
  };

  function draw() {
    var source = document.getElementById("monthly-chart-data");
    var canvas = document.getElementById("monthly-chart");
    var box = document.getElementById("monthly-chart-box");
    if (!source || !canvas || !box || typeof window.Chart === "undefined") {
      return;
    }
    var chart = JSON.parse(source.textContent);
    if (!chart.datasets.length) {
      return;
    }
    box.hidden = false;
    // Sized here, not in the markup: the Content-Security-Policy allows no inline styles.
    canvas.parentNode.style.height = "320px";
    canvas.parentNode.style.position = "relative";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (dataset) {
          return {
            label: dataset.label,
            data: dataset.data,
            backgroundColor: COLORS[dataset.key] || "#607d8b"
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: "Packages" } }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
