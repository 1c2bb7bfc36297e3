/* Audit log page: filter and list the configuration changes from /api/v1/admin/audit. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  function brief(value) { return value === null || value === undefined ? "" : JSON.stringify(value).slice(0, 300); }
  function load() {
    var params = new URLSearchParams();
    [["actor", "a-actor"], ["action", "a-action"], ["target", "a-target"], ["from", "a-from"], ["to", "a-to"]].forEach(function (p) {
      if ($(p[1]).value) params.set(p[0], $(p[1]).value); });
    $("audit-error").textContent = "";
    OneWindowApi("GET", "/api/v1/admin/audit?" + params.toString()).then(function (r) {
      var body = document.querySelector("#audit tbody"); body.innerHTML = "";
      r.entries.forEach(function (e) {
        var tr = document.createElement("tr");
        [e.when.replace("T", " "), e.actor, e.action, e.target, brief(e.before), brief(e.after)].forEach(function (v) {
          var td = document.createElement("td"); td.textContent = v; tr.appendChild(td); });
        body.appendChild(tr);
      });
    }).catch(function (e) { $("audit-error").textContent = e.message; });
  }
  $("audit-form").addEventListener("submit", function (e) { e.preventDefault(); load(); });
  load();
})();
