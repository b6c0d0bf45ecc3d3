/* The supervision dashboard's charts: each drawn by the vendored Apache ECharts from the JSON the page holds
   (the same figures as the table view beside it). No inline script: the content security policy allows 'self'. */
(function () {
  function draw() {
    var holder = document.getElementById("chart-options");
    if (!holder || typeof echarts === "undefined") return;
    var options = JSON.parse(holder.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var o = options[el.dataset.chart];
      if (!o) return;
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", top: 0 },
        grid: { left: 40, right: 16, top: 40, bottom: 70, containLabel: true },
        xAxis: { type: "category", data: o.categories, axisLabel: { interval: 0, rotate: o.categories.length > 6 ? 30 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: o.series.map(function (s) {
          return { name: s.name, type: o.kind, data: s.data, stack: o.stacked ? "total" : undefined };
        }),
      });
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
  document.addEventListener("htmx:load", draw);
})();
