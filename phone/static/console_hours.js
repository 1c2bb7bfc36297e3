/* Managers: service hours (per weekday, on the working-day calendar), the early opening, quotas with what is left. */
(function () {
  "use strict";
  var H = OneWindowData("hours-data"), T = H.text, DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday"];
  function $(id) { return document.getElementById(id); }
  function toast(text) { $("toast").textContent = text; }
  function fail(err) { toast((err && err.message) || "?"); }
  function cell(tr, text) { var td = document.createElement("td"); td.textContent = text; tr.appendChild(td); return td; }
  function local(iso) { return iso ? iso.slice(5, 16).replace("T", " ") : ""; }

  function showHours(h) {
    $("hours-enforce").checked = h.enforce; $("hours-stop").value = h.stop_before_minutes;
    DAYS.forEach(function (d) { $("hours-" + d).value = h.week[d].join(", "); });
    var now = !h.enforce ? T.notEnforced : h.early_now ? T.early.replace("__U__", h.early.until_local)
      : h.open_now ? T.open : T.closed.replace("__W__", local(h.next_opening));
    $("hours-now").textContent = now;
    $("open-early").hidden = !h.enforce || h.open_now; $("end-early").hidden = !h.early_now;
    var body = $("hours-preview").querySelector("tbody"); body.innerHTML = "";
    h.preview.forEach(function (d) {
      var tr = document.createElement("tr"); tr.dataset.day = d.day;
      cell(tr, d.day.slice(5) + " " + H.weekdays[d.weekday]);
      cell(tr, d.sessions.length ? d.sessions.join("，") : T.closedDay);
      cell(tr, H.reasons[d.reason] || d.reason);
      body.appendChild(tr);
    });
  }
  function loadHours() { OneWindowApi("GET", "/api/v1/admin/hours").then(showHours).catch(fail); }
  $("hours-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var week = {};
    DAYS.forEach(function (d) {
      week[d] = $("hours-" + d).value.split(/[,，;；]/).map(function (s) { return s.trim(); }).filter(Boolean);
    });
    OneWindowApi("PUT", "/api/v1/admin/hours", { enforce: $("hours-enforce").checked,
      stop_before_minutes: parseInt($("hours-stop").value || "0", 10), week: week })
      .then(function (h) { showHours(h); toast(T.saved); }).catch(fail);
  });
  $("open-early").addEventListener("click", function () {
    if (!window.confirm(T.confirmEarly)) return;
    OneWindowApi("POST", "/api/v1/admin/hours/open-early", {}).then(function (h) { showHours(h); toast(T.saved); }).catch(fail);
  });
  $("end-early").addEventListener("click", function () {
    OneWindowApi("POST", "/api/v1/admin/hours/end-early", {}).then(function (h) { showHours(h); toast(T.saved); }).catch(fail);
  });

  function number(id) { var v = $(id).value.trim(); return v === "" ? null : parseInt(v, 10); }
  function url(scope, code) { return scope === "hall" ? "/api/v1/admin/quotas/hall" : "/api/v1/admin/quotas/" + scope + "/" + encodeURIComponent(code); }
  function showQuotas(answer) {
    var body = $("quotas").querySelector("tbody"); body.innerHTML = "";
    answer.quotas.forEach(function (q) {
      var tr = document.createElement("tr"); tr.dataset.target = q.scope + ":" + q.code;
      cell(tr, q.name);
      cell(tr, q.daily === null ? T.none : q.daily);
      cell(tr, q.used);
      cell(tr, q.remaining === null ? T.none : q.remaining).className = "left";
      cell(tr, q.booked);
      cell(tr, q.remote_limit === null ? q.remote_used : q.remote_used + " / " + q.remote_limit + " (" + q.remote_remaining + ")");
      cell(tr, q.slot ? q.slot.start + " · " + q.slot.used + " / " + q.per_slot + " (" + q.slot.remaining + ")" : T.none);
      var remove = document.createElement("button"); remove.type = "button"; remove.className = "small secondary";
      remove.textContent = T.delete;
      remove.addEventListener("click", function () {
        OneWindowApi("DELETE", url(q.scope, q.code), {}).then(loadQuotas).catch(fail);
      });
      tr.appendChild(document.createElement("td")).appendChild(remove);
      tr.addEventListener("dblclick", function () {
        $("quota-target").value = q.scope + ":" + q.code; $("quota-daily").value = q.daily === null ? "" : q.daily;
        $("quota-slot").value = q.slot_minutes || ""; $("quota-per-slot").value = q.per_slot === null ? "" : q.per_slot;
        $("quota-share").value = q.remote_share === null ? "" : q.remote_share;
      });
      body.appendChild(tr);
    });
  }
  function loadQuotas() { OneWindowApi("GET", "/api/v1/admin/quotas").then(showQuotas).catch(fail); }
  $("quota-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var target = $("quota-target").value.split(":");
    OneWindowApi("PUT", url(target[0], target[1]), { daily: number("quota-daily"), slot_minutes: number("quota-slot"),
      per_slot: number("quota-per-slot"), remote_share: number("quota-share") })
      .then(function () { toast(T.saved); loadQuotas(); }).catch(fail);
  });
  loadHours(); loadQuotas();
  setInterval(loadQuotas, 30000);
})();
