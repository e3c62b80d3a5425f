// Dashboards and the bulletin: charts drawn from the json_script data, and
// printing with the tables behind the charts open. No inline scripts (CSP).
(function () {
  "use strict";

  // Printing: the tables behind the charts are what paper can show.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.chart-data").forEach(function (el) {
      if (!el.open) {
        el.open = true;
        opened.push(el);
      }
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (el) { el.open = false; });
    opened = [];
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  var node = document.getElementById("dashboard-data");
  if (!node || typeof window.Chart === "undefined") return;
  var data = JSON.parse(node.textContent);
  var Chart = window.Chart;
  if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
    Chart.defaults.animation = false;
  }
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }

  var green = "#146c43";
  var red = "#b02a37";

  draw("trend-share-chart", {
    type: "line",
    data: {
      labels: data.trend.labels,
      datasets: [{
        label: data.text.advanced_share,
        data: data.trend.advanced_share,
        borderColor: green,
        backgroundColor: "rgba(20, 108, 67, 0.12)",
        fill: true,
        tension: 0.2,
        pointRadius: 3
      }]
    },
    options: {
      aspectRatio: 1.8,
      scales: {
        y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } }
      },
      plugins: { legend: { labels: { boxWidth: 12 } } }
    }
  });

  draw("trend-failing-chart", {
    type: "bar",
    data: {
      labels: data.trend.labels,
      datasets: [{ label: data.text.failing, data: data.trend.failing, backgroundColor: red }]
    },
    options: {
      aspectRatio: 1.8,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { labels: { boxWidth: 12 } } }
    }
  });

  draw("causes-chart", {
    type: "bar",
    data: {
      labels: data.causes.labels,
      datasets: [{
        label: data.text.causes,
        data: data.causes.counts,
        backgroundColor: ["#0a58ca", "#a4161a", "#b8860b", "#6c757d", "#adb5bd"]
      }]
    },
    options: {
      indexAxis: "y",
      aspectRatio: 1.8,
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { display: false } }
    }
  });

  // Campaign targets: each chart is drawn from its table (the table is the
  // data): the measure month by month beside the straight line to the target.
  function cell(value) {
    return value === null || value === "" ? null : Number(value);
  }
  document.querySelectorAll("table[data-campaign-chart]").forEach(function (table) {
    var labels = [], values = [], line = [];
    table.querySelectorAll("tbody tr").forEach(function (row) {
      labels.push(row.getAttribute("data-label"));
      values.push(cell(row.getAttribute("data-value")));
      line.push(cell(row.getAttribute("data-line")));
    });
    var share = table.getAttribute("data-share") === "1";
    var y = share ? { min: 0, max: 100 } : { beginAtZero: true, ticks: { precision: 0 } };
    draw(table.getAttribute("data-campaign-chart"), {
      type: "line",
      data: {
        labels: labels,
        datasets: [{
          label: table.getAttribute("data-value-label"),
          data: values,
          borderColor: share ? green : red,
          backgroundColor: share ? green : red,
          pointRadius: 3
        }, {
          label: table.getAttribute("data-line-label"),
          data: line,
          borderColor: "#6c757d",
          borderDash: [6, 4],
          pointRadius: 0
        }]
      },
      options: {
        // The box's own height (.chart-box), whatever its width.
        maintainAspectRatio: false,
        scales: { y: y },
        plugins: { legend: { labels: { boxWidth: 12 } } }
      }
    });
  });
})();
