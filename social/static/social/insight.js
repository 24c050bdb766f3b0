// Social insight charts (admin): posts per day stacked by category, and the mean score per
// day per category. Data comes from the page's json_script; the tables carry the same figures.
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("social-insight-data");
    if (!node || !window.Chart) { return; }
    var data = JSON.parse(node.textContent);
    var volume = document.getElementById("social-volume");
    var sentiment = document.getElementById("social-sentiment");
    if (volume) {
      new window.Chart(volume, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: data.datasets.map(function (d) { return {label: d.label, data: d.volume, backgroundColor: d.colour}; })
        },
        options: {responsive: true, maintainAspectRatio: false, animation: false, scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true, ticks: {precision: 0}}}}
      });
    }
    if (sentiment) {
      new window.Chart(sentiment, {
        type: "line",
        data: {
          labels: data.labels,
          datasets: data.datasets.map(function (d) {
            return {label: d.label, data: d.sentiment, borderColor: d.colour, backgroundColor: d.colour, spanGaps: true, tension: 0.2};
          })
        },
        options: {responsive: true, maintainAspectRatio: false, animation: false, scales: {y: {min: -1, max: 1}}}
      });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
