// SPDX-License-Identifier: MPL-2.0
// Draws the dashboard's charts with Apache ECharts from the dashboard's JSON endpoint.
// The page already holds every figure as a table (and a CSV link); this file only adds pictures,
// and a click on a bar or point opens the list of cases behind it.
(function () {
  "use strict";
  // Okabe–Ito: distinguishable with the common kinds of colour blindness.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D1F", "#000000"];

  function columnIndex(chart, key) {
    for (var i = 0; i < chart.columns.length; i++) if (chart.columns[i].key === key) return i;
    return -1;
  }

  function unit(column) {
    return column && column.kind === "pct" ? "%" : "";
  }

  function option(chart) {
    var catIndex = columnIndex(chart, chart.category);
    var categories = chart.rows.map(function (row) { return String(row[catIndex]); });
    var twoAxes = chart.series.some(function (s) { return s.axis === 1; });
    var series = chart.series.map(function (s) {
      var index = columnIndex(chart, s.key);
      var column = chart.columns[index];
      var marker = s.type === "marker";
      return {
        name: column.label,
        type: marker ? "scatter" : s.type === "line" ? "line" : "bar",
        symbol: marker ? "diamond" : "emptyCircle",
        symbolSize: marker ? 14 : 6,
        stack: s.stack || undefined,
        yAxisIndex: chart.horizontal ? undefined : s.axis,
        xAxisIndex: chart.horizontal ? s.axis : undefined,
        data: chart.rows.map(function (row) { return row[index]; }),
        barMaxWidth: 48,
        emphasis: { focus: "series" },
        cursor: chart.links.some(Boolean) ? "pointer" : "default",
      };
    });
    var firstValue = chart.columns[columnIndex(chart, chart.series[0].key)];
    var secondValue = twoAxes ? chart.columns[columnIndex(chart, chart.series.filter(function (s) { return s.axis === 1; })[0].key)] : null;
    var valueAxes = [{ type: "value", axisLabel: { formatter: "{value}" + unit(firstValue) } }];
    if (twoAxes) valueAxes.push({ type: "value", axisLabel: { formatter: "{value}" + unit(secondValue) }, splitLine: { show: false } });
    var categoryAxis = {
      type: "category",
      data: categories,
      inverse: !!chart.horizontal,
      axisLabel: chart.horizontal ? { width: 150, overflow: "truncate" } : { hideOverlap: true },
    };
    return {
      color: PALETTE,
      animation: false,
      textStyle: { fontFamily: "inherit" },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: twoAxes && !chart.horizontal ? 8 : 24, top: 36, bottom: 8, containLabel: true },
      xAxis: chart.horizontal ? valueAxes : categoryAxis,
      yAxis: chart.horizontal ? categoryAxis : valueAxes,
      series: series,
    };
  }

  function draw(container, chart) {
    if (chart.horizontal) container.style.height = Math.max(240, chart.rows.length * 26 + 70) + "px";
    var instance = window.echarts.init(container, null, { renderer: "svg" });
    instance.setOption(option(chart));
    instance.on("click", function (params) {
      var link = chart.links[params.dataIndex];
      if (link) window.location.assign(link);
    });
    window.addEventListener("resize", function () { instance.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-dashboard-data]");
    if (!root || !window.echarts || !window.fetch) return;
    fetch(root.getAttribute("data-dashboard-data"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (payload) {
        payload.charts.forEach(function (chart) {
          var container = root.querySelector('[data-chart="' + chart.id + '"]');
          if (container && chart.rows.length) draw(container, chart);
        });
      })
      .catch(function () {
        root.querySelectorAll(".chart").forEach(function (el) { el.hidden = true; });
      });
  });
})();
