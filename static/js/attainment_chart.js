/* The worker page's attainment chart (templates/workers/_worker_records.html).
 *
 * Data comes from the page through json_script (#attainment-data) and the
 * translated labels from #attainment-labels: the CSP forbids inline scripts.
 * Points are coloured by band; the 100% line marks "meets quota" and the
 * stepped line the advanced standard in force each month.
 */
(function () {
  "use strict";

  var BAND_COLOURS = {
    advanced: "#146c43",
    meets_quota: "#0a58ca",
    below_quota: "#b02a37"
  };

  function draw() {
    var canvas = document.getElementById("attainment-chart");
    var source = document.getElementById("attainment-data");
    if (!canvas || !source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var labels = document.getElementById("attainment-labels").dataset;
    var quotaLine = data.labels.map(function () { return 100; });
    var colours = data.bands.map(function (band) {
      return BAND_COLOURS[band] || "#6c757d";
    });

    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: labels.attainment,
            data: data.attainment,
            borderColor: "#495057",
            pointBackgroundColor: colours,
            pointBorderColor: colours,
            pointRadius: 4,
            tension: 0.2
          },
          {
            label: labels.quota,
            data: quotaLine,
            borderColor: "#0a58ca",
            borderDash: [6, 4],
            borderWidth: 1,
            pointRadius: 0
          },
          {
            label: labels.standard,
            data: data.standard,
            borderColor: "#146c43",
            borderWidth: 1,
            stepped: true,
            pointRadius: 0
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: {
            suggestedMin: 50,
            suggestedMax: 130,
            ticks: { callback: function (value) { return value + "%"; } }
          }
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (context) {
                return context.dataset.label + ": " + context.formattedValue + "%";
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
}());
