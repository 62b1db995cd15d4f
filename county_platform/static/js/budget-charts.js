/* Draws the budget execution bar charts from the JSON embedded in the page
   (#budget-chart-data); the tables beside them carry the same numbers without JavaScript. */
(function () {
  "use strict";
  var SERIES = [["amount", "批复金额"], ["committed", "已冻结"], ["executed", "已支付"],
                ["available", "可用余额"]];

  function draw(tries) {
    var source = document.getElementById("budget-chart-data");
    if (!source) return;
    if (!window.echarts) {  // echarts.min.js is still loading, or failed (the tables remain)
      if (tries < 50) setTimeout(function () { draw(tries + 1); }, 100);
      return;
    }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("[data-budget-chart]").forEach(function (element) {
      var chart = data[element.dataset.budgetChart];
      if (!chart || element.dataset.drawn) return;
      element.dataset.drawn = "1";
      var instance = window.echarts.init(element);
      instance.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 8, bottom: 8, top: 40, containLabel: true },
        xAxis: { type: "category", data: chart.names, axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value" },
        series: SERIES.map(function (pair) {
          return { name: pair[1], type: "bar",
                   data: chart[pair[0]].map(function (v) { return parseFloat(v); }) };
        })
      });
      window.addEventListener("resize", function resize() {
        if (element.isConnected) { instance.resize(); return; }
        instance.dispose();  // htmx has swapped the page away
        window.removeEventListener("resize", resize);
      });
    });
  }

  // No htmx:afterSettle hook: htmx runs a swapped-in page's scripts in order (async=false), so
  // this file always runs after that page's echarts.min.js. A hook left by an earlier visit drew
  // with the previous visit's ECharts before the page's own copy had loaded.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(0); });
  } else {
    draw(0);
  }
})();
