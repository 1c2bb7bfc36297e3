/* Managers: remote queueing and notice settings, booking plans and days, the SMS log (masked numbers). */
(function () {
  "use strict";
  var R = OneWindowData("remote-data"), T = R.text;
  function $(id) { return document.getElementById(id); }
  function toast(text) { $("toast").textContent = text; }
  function fail(err) { toast((err && err.message) || "?"); }
  function cell(tr, text) { var td = document.createElement("td"); td.textContent = text; tr.appendChild(td); return td; }
  var fields = document.querySelectorAll("#phone-form [data-field]");

  function showSettings(s) {
    fields.forEach(function (input) {
      var v = s[input.dataset.field];
      if (input.type === "checkbox") input.checked = !!v; else input.value = v;
    });
  }
  OneWindowApi("GET", "/api/v1/admin/phone-settings").then(showSettings).catch(fail);
  $("phone-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = {};
    fields.forEach(function (input) {
      body[input.dataset.field] = input.type === "checkbox" ? input.checked : parseInt(input.value, 10);
    });
    OneWindowApi("PUT", "/api/v1/admin/phone-settings", body).then(function (s) { showSettings(s); toast(T.saved); })
      .catch(fail);
  });

  function planUrl(scope, code) { return "/api/v1/admin/appointment-plans/" + scope + "/" + encodeURIComponent(code); }
  function showPlans(answer) {
    var body = $("plans").querySelector("tbody"); body.innerHTML = "";
    answer.plans.forEach(function (p) {
      var tr = document.createElement("tr"); tr.dataset.target = p.scope + ":" + p.code;
      cell(tr, p.name); cell(tr, p.slot_minutes); cell(tr, p.capacity); cell(tr, p.min_lead_minutes);
      cell(tr, p.max_days_ahead);
      cell(tr, p.days.map(function (d) { return d.service_day.slice(5) + "·" + d.capacity; }).join("、") || T.none);
      var remove = document.createElement("button"); remove.type = "button"; remove.className = "small secondary";
      remove.textContent = T.delete;
      remove.addEventListener("click", function () {
        OneWindowApi("DELETE", planUrl(p.scope, p.code), {}).then(loadPlans).catch(fail);
      });
      tr.appendChild(document.createElement("td")).appendChild(remove);
      body.appendChild(tr);
    });
  }
  function loadPlans() { OneWindowApi("GET", "/api/v1/admin/appointment-plans").then(showPlans).catch(fail); }
  $("plan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var target = $("plan-target").value.split(":");
    OneWindowApi("PUT", planUrl(target[0], target[1]), {
      slot_minutes: parseInt($("plan-slot").value, 10), capacity: parseInt($("plan-capacity").value, 10),
      min_lead_minutes: parseInt($("plan-lead").value, 10), max_days_ahead: parseInt($("plan-days").value, 10)
    }).then(function () { toast(T.saved); loadPlans(); }).catch(fail);
  });
  $("day-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var target = $("plan-target").value.split(":"), value = $("day-capacity").value.trim();
    OneWindowApi("PUT", planUrl(target[0], target[1]) + "/days/" + $("day-date").value,
      { capacity: value === "" ? null : parseInt(value, 10) }).then(function () { toast(T.saved); loadPlans(); }).catch(fail);
  });

  function showSms(answer) {
    var body = $("sms-log").querySelector("tbody"); body.innerHTML = "";
    answer.messages.forEach(function (m) {
      var tr = document.createElement("tr");
      cell(tr, m.when); cell(tr, m.phone_masked); cell(tr, R.kinds[m.kind] || m.kind);
      cell(tr, R.states[m.state] || m.state);
      body.appendChild(tr);
    });
  }
  loadPlans();
  OneWindowApi("GET", "/api/v1/admin/sms-log").then(showSms).catch(fail);
})();
