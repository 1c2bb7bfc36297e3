/* Satisfaction report page: totals, groups and the month's counter ranking from /api/v1/reports/satisfaction. */
(function () {
  "use strict";
  function pct(v) { return v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%"; }
  function row(tbody, cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (c) { var td = document.createElement("td"); td.textContent = c === null ? "–" : c; tr.appendChild(td); });
    tbody.appendChild(tr);
  }
  var form = document.getElementById("range");
  function show() {
    var q = new URLSearchParams(new FormData(form));
    ["from", "to"].forEach(function (k) { if (!q.get(k)) q.delete(k); });
    OneWindowApi("GET", "/api/v1/reports/satisfaction?" + q).then(function (r) {
      ["finished", "rated"].forEach(function (k) { document.getElementById("t-" + k).textContent = r[k]; });
      document.getElementById("t-rating_rate").textContent = pct(r.rating_rate);
      document.getElementById("t-satisfaction_rate").textContent = pct(r.satisfaction_rate);
      ["open", "closed_in_time", "overdue"].forEach(function (k) { document.getElementById("t-f-" + k).textContent = r.followups[k]; });
      var body = document.querySelector("#groups tbody"); body.innerHTML = "";
      (r.groups || []).forEach(function (g) {
        row(body, [g.key, g.finished, g.rated, pct(g.rating_rate), pct(g.satisfaction_rate),
                   g.distribution["5"], g.distribution["4"], g.distribution["3"], g.distribution["2"], g.distribution["1"]]);
      });
    });
    OneWindowApi("GET", "/api/v1/reports/satisfaction/ranking" + (q.get("to") ? "?month=" + q.get("to").slice(0, 7) : "")).then(function (r) {
      var body = document.querySelector("#ranking tbody"); body.innerHTML = "";
      r.counters.forEach(function (c) { row(body, [c.rank, c.key, c.rated, pct(c.satisfaction_rate), pct(c.rating_rate)]); });
    });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); show(); });
  show();
})();
