/* Reports page: waiting time and satisfaction by day, counter, clerk or item, with a chart, CSV and XLSX. */
(function () {
  "use strict";
  var FIGURES = ["issued", "served", "no_shows", "cancelled", "waiting_minutes_mean", "waiting_minutes_p50", "waiting_minutes_p90",
                 "waiting_minutes_max", "service_minutes_mean", "service_minutes_p90", "service_level", "satisfaction_rate", "rating_rate"];
  var RATES = {service_level: 1, satisfaction_rate: 1, rating_rate: 1};
  var PAGE = OneWindowData("reports-data"), TITLES = PAGE.titles;
  var chart = null;
  function iso(d) { return d.toISOString().slice(0, 10); }
  var to = document.getElementById("to"), from = document.getElementById("from");
  var end = new Date(to.value + "T00:00:00Z"); from.value = iso(new Date(end.getTime() - 6 * 86400000));
  function query(format) {
    return "/api/v1/reports/waiting?from=" + from.value + "&to=" + to.value + "&group_by=" +
      document.getElementById("group_by").value + "&format=" + format;
  }
  function value(row, f) {
    var v = row[f]; if (v === null || v === undefined) return "–";
    return RATES[f] ? (v * 100).toFixed(1) + "%" : v;
  }
  function line(row, label) {
    var tr = document.createElement("tr"); tr.dataset.key = row.key;
    var th = document.createElement("th"); th.textContent = label; tr.appendChild(th);
    FIGURES.forEach(function (f) { var td = document.createElement("td"); td.className = "num"; td.dataset.figure = f; td.textContent = value(row, f); tr.appendChild(td); });
    return tr;
  }
  function show(data) {
    document.getElementById("report-range").textContent = data.from + " – " + data.to;
    document.getElementById("group-title").textContent = TITLES[data.group_by];
    var body = document.querySelector("#report tbody"); body.innerHTML = "";
    data.rows.forEach(function (r) { body.appendChild(line(r, r.label)); });
    var foot = document.querySelector("#report tfoot"); foot.innerHTML = "";
    foot.appendChild(line(data.total, PAGE.total));
    var labels = data.rows.map(function (r) { return r.label; });
    var sets = [
      {type: "bar", label: TITLES.waiting_minutes_mean, data: data.rows.map(function (r) { return r.waiting_minutes_mean; }), yAxisID: "y"},
      {type: "bar", label: TITLES.waiting_minutes_p90, data: data.rows.map(function (r) { return r.waiting_minutes_p90; }), yAxisID: "y"},
      {type: "line", label: TITLES.service_level, data: data.rows.map(function (r) { return r.service_level === null ? null : r.service_level * 100; }), yAxisID: "pct"}
    ];
    if (chart) chart.destroy();
    chart = new Chart(document.getElementById("chart"), {
      data: {labels: labels, datasets: sets},
      options: {animation: false, maintainAspectRatio: false, scales: {
        y: {beginAtZero: true, title: {display: true, text: TITLES.minutes}},
        pct: {position: "right", min: 0, max: 100, grid: {drawOnChartArea: false}, title: {display: true, text: "%"}}}}
    });
    document.getElementById("chart").dataset.ready = "1";
  }
  function load() {
    document.getElementById("report-error").textContent = "";
    document.getElementById("download-csv").href = query("csv");
    document.getElementById("download-xlsx").href = query("xlsx");
    OneWindowApi("GET", query("json")).then(show).catch(function (e) { document.getElementById("report-error").textContent = e.message; });
  }
  document.getElementById("report-form").addEventListener("submit", function (e) { e.preventDefault(); load(); });
  document.getElementById("last-week").addEventListener("click", function () {
    var today = new Date(PAGE.today + "T00:00:00Z");
    var monday = new Date(today.getTime() - (((today.getUTCDay() + 6) % 7) + 7) * 86400000);
    from.value = iso(monday); to.value = iso(new Date(monday.getTime() + 6 * 86400000)); load();
  });
  document.getElementById("print").addEventListener("click", function () { window.print(); });
  load();
})();
