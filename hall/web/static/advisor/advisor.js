/* The staffing advisor page: the workload learned from the record, the advised counters per quarter-hour,
 * one-window against dedicated windows, and the recorded estimate errors. Data from /api/v1/advisor/…;
 * texts from the page's application/json block. */
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("advisor-text").textContent);
  var form = document.getElementById("advisor-form");
  var charts = {};
  function $(id) { return document.getElementById(id); }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) { return values[name] === undefined ? all : values[name]; });
  }
  function pct(x) { return x === null || x === undefined ? "–" : (x * 100).toFixed(1) + "%"; }
  function num(x, digits) { return x === null || x === undefined ? "–" : Number(x).toFixed(digits === undefined ? 1 : digits); }
  function iso(d) { return d.toISOString().slice(0, 10); }
  function label(q) { var m = q * 15; return ("0" + Math.floor(m / 60)).slice(-2) + ":" + ("0" + (m % 60)).slice(-2); }
  function row(body, cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (c, i) {
      var td = document.createElement(i === 0 ? "th" : "td"); td.textContent = c; if (i > 0) td.className = "num"; tr.appendChild(td);
    });
    body.appendChild(tr);
    return tr;
  }
  function chart(id, config) {
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({animation: false, maintainAspectRatio: false}, config.options || {});
    charts[id] = new Chart($(id), config);
    $(id).dataset.ready = "1";
  }
  function params(extra) {
    var p = new URLSearchParams({from: $("from").value, to: $("to").value, weekday: $("weekday").value,
                                 target_minutes: $("target_minutes").value, target_share: $("target_share").value});
    if ($("month_start").checked) p.set("month_start", "1");
    Object.keys(extra || {}).forEach(function (k) { p.set(k, extra[k]); });
    return p.toString();
  }
  function failed(e) { $("advisor-status").textContent = ""; $("advisor-error").textContent = e.message; }
  function ask(path, extra) {
    $("advisor-error").textContent = ""; $("advisor-status").textContent = T.working;
    return OneWindowApi("GET", "/api/v1/advisor/" + path + "?" + params(extra)).then(function (data) {
      $("advisor-status").textContent = ""; return data;
    });
  }

  function showWorkload(data) {
    var w = data.workload;
    $("workload-card").hidden = false;
    $("workload-summary").textContent = fill(T.workload_summary, {
      tickets: data.tickets, first: data.from, last: data.to, handling: num(w.mean_service_minutes),
      walk: num(w.mean_walk_seconds, 0), no_show: pct(w.no_show_rate), recall: pct(w.recall_rate),
      priority: pct(w.priority_share), appointments: pct(w.appointment_share), surge: num(w.month_start_factor, 2)
    }) + (w.month_start_measured ? "" : " " + T.surge_unmeasured);
    var sets = Object.keys(w.per_quarter).map(function (weekday) {
      var names = Object.keys(T.weekdays);
      return {label: T.weekdays[names[Number(weekday)]], data: w.per_quarter[weekday]};
    });
    chart("workload-chart", {type: "line", data: {labels: w.quarters.map(label), datasets: sets},
                             options: {scales: {y: {beginAtZero: true, title: {display: true, text: T.tickets}}}}});
    var body = document.querySelector("#services tbody"); body.innerHTML = "";
    w.services.forEach(function (s) {
      row(body, [s.code, pct(s.share), num(s.mean_minutes), num(s.p90_minutes), s.samples]).dataset.service = s.code;
    });
  }
  function showPlan(plan) {
    $("plan-card").hidden = false;
    var f = plan.figures;
    $("plan-summary").textContent = fill(T.plan_summary, {
      hours: plan.counter_hours, erlang: plan.erlang_counter_hours, beta: plan.beta, days: plan.days,
      met: pct(plan.met_share), mean: num(f.mean_wait), p90: num(f.p90_wait), level: pct(f.service_level)
    });
    var q = plan.quarters;
    chart("plan-chart", {data: {labels: q.map(function (x) { return label(x.quarter); }), datasets: [
      {type: "bar", label: T.advised, data: q.map(function (x) { return x.counters; })},
      {type: "line", label: T.erlang, data: q.map(function (x) { return x.erlang; })},
      {type: "line", label: T.load, data: q.map(function (x) { return x.offered_load; })}
    ]}, options: {scales: {y: {beginAtZero: true, title: {display: true, text: T.counters}}}}});
    var body = document.querySelector("#plan tbody"); body.innerHTML = "";
    q.forEach(function (x) { row(body, [label(x.quarter), num(x.offered_load), x.erlang, x.counters]).dataset.quarter = x.quarter; });
  }
  function showComparison(c) {
    $("compare-card").hidden = false;
    var body = document.querySelector("#comparison tbody"); body.innerHTML = "";
    c.results.forEach(function (r) {
      row(body, [T.results[r.name] || r.name, r.counters, num(r.figures.mean_wait), num(r.figures.p90_wait),
                 pct(r.figures.service_level)]).dataset.result = r.name;
    });
    var text = [c.one_window_beats_dedicated ? T.wins : T.loses];
    if (!c.one_window_beats_dedicated) {
      if (c.handling_to_match) text.push(fill(T.handling_to_match, {share: pct(c.handling_to_match)}));
      if (c.reform_volume_to_match) {
        text.push(fill(T.reform_volume_to_match, {handling: pct(c.reform_handling), share: pct(c.reform_volume_to_match)}));
      }
      text.push(c.volume_to_match ? fill(T.volume_to_match, {share: pct(c.volume_to_match)}) : T.no_volume);
    }
    if (c.counters_to_match) text.push(fill(T.counters_to_match, {n: c.counters_to_match}));
    $("compare-verdict").textContent = text.join(" ");
  }
  function showErrors(data) {
    var body = document.querySelector("#errors tbody"); body.innerHTML = "";
    if (!data.days.length) row(body, [T.none, "", "", "", "", ""]);
    data.days.forEach(function (d) {
      row(body, [d.service_day, d.tickets, num(d.mean_abs_minutes), num(d.p90_abs_minutes), num(d.bias_minutes),
                 pct(d.coverage)]).dataset.day = d.service_day;
    });
    chart("errors-chart", {data: {labels: data.days.map(function (d) { return d.service_day; }), datasets: [
      {type: "bar", label: T.mean_error, data: data.days.map(function (d) { return d.mean_abs_minutes; }), yAxisID: "y"},
      {type: "bar", label: T.p90_error, data: data.days.map(function (d) { return d.p90_abs_minutes; }), yAxisID: "y"},
      {type: "line", label: T.coverage, data: data.days.map(function (d) { return d.coverage === null ? null : d.coverage * 100; }),
       yAxisID: "pct"}
    ]}, options: {scales: {y: {beginAtZero: true}, pct: {position: "right", min: 0, max: 100, grid: {drawOnChartArea: false}}}}});
  }

  var yesterday = new Date(new Date(form.dataset.today + "T00:00:00Z").getTime() - 86400000);
  $("to").value = iso(yesterday);
  $("from").value = iso(new Date(yesterday.getTime() - 27 * 86400000));
  form.addEventListener("submit", function (e) { e.preventDefault(); ask("workload").then(showWorkload).catch(failed); });
  $("advise").addEventListener("click", function () { ask("plan").then(showPlan).catch(failed); });
  $("compare").addEventListener("click", function () { ask("compare").then(showComparison).catch(failed); });
  OneWindowApi("GET", "/api/v1/advisor/estimate-errors?from=" + iso(new Date(yesterday.getTime() - 27 * 86400000)) +
               "&to=" + iso(yesterday)).then(showErrors).catch(failed);
})();
