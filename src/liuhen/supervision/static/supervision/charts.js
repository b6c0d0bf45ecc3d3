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
      var empty = !o.categories.length || o.series.every(function (s) { return s.data.every(function (v) { return !v; }); });
      if (empty) {
        el.textContent = "暂无数据";
        el.className += " empty";
        el.dataset.drawn = "1";
        return;
      }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      var category = { type: "category", data: o.categories, axisLabel: { interval: 0, rotate: !o.horizontal && o.categories.length > 5 ? 30 : 0 } };
      var value = { type: "value", minInterval: 1 };
      if (o.horizontal) { category.inverse = true; category.axisLabel.width = 230; category.axisLabel.overflow = "truncate"; }
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis", confine: true },
        legend: { type: "scroll", top: 0 },
        grid: { left: 10, right: 20, top: 40, bottom: 10, containLabel: true },
        xAxis: o.horizontal ? value : category,
        yAxis: o.horizontal ? category : value,
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
