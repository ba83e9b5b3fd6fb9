/* Monthly summary chart: packages per month by category, drawn with Chart.js from the
 * JSON the page embeds with json_script. The table stays the primary view; without
 * JavaScript (or Chart.js) the chart box simply stays hidden.
 *
 * Text comes from the page in its language (dataset labels in the JSON, the axis
 * title in the canvas's data-y-title); months and numbers are written the page
 * language's way, in Western digits as the page's own figures are (docs/GLOSSARY.md).
 * On a right-to-left page the months run from right to left and the legend and
 * tooltips read right to left. */
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

  /* The page's language as the Intl formatters take it; the browser's if they refuse it. */
  function pageLocale() {
    var lang = document.documentElement.lang;
    try {
      return Intl.NumberFormat.supportedLocalesOf([lang]).length ? lang : undefined;
    } catch (error) {
      return undefined;
    }
  }

  /* "2025-03" (the JSON's months, ISO) as "Mar 2025" in the page's language. */
  function monthLabels(months, locale) {
    var format = new Intl.DateTimeFormat(locale, {
      year: "numeric",
      month: "short",
      timeZone: "UTC",
      numberingSystem: "latn"
    });
    return months.map(function (month) {
      var parts = month.split("-");
      return format.format(new Date(Date.UTC(Number(parts[0]), Number(parts[1]) - 1, 1)));
    });
  }

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
    var rtl = document.documentElement.dir === "rtl";
    var locale = pageLocale();
    var numbers = new Intl.NumberFormat(locale, { numberingSystem: "latn" });
    box.hidden = false;
    // Sized here, not in the markup: the Content-Security-Policy allows no inline styles.
    canvas.parentNode.style.height = "320px";
    canvas.parentNode.style.position = "relative";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: monthLabels(chart.labels, locale),
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
        locale: locale,
        scales: {
          x: { stacked: true, reverse: rtl },
          y: {
            stacked: true,
            beginAtZero: true,
            position: rtl ? "right" : "left",
            title: { display: true, text: canvas.dataset.yTitle || "" },
            ticks: {
              precision: 0, // whole packages
              callback: function (value) {
                return numbers.format(value);
              }
            }
          }
        },
        plugins: {
          legend: { position: "bottom", rtl: rtl, textDirection: rtl ? "rtl" : "ltr" },
          tooltip: {
            rtl: rtl,
            textDirection: rtl ? "rtl" : "ltr",
            callbacks: {
              label: function (context) {
                return context.dataset.label + ": " + numbers.format(context.parsed.y);
              }
            }
          }
        }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
