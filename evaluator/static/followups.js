/* Managers' follow-up list: loads /api/v1/followups, flags overdue ones live (the /console namespace),
 * and records the call-back, the rectification, the closing, and appeals and their decision. */
(function () {
  "use strict";
  var F = OneWindowData("followups-data"), T = F.text;
  function $(id) { return document.getElementById(id); }
  var state = "open", rows = [], selected = null;
  function day(ts) { return new Date(ts * 1000).toLocaleString(undefined, { timeZone: F.tz }); }
  function cell(tr, text, cls) { var td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); return td; }
  function reasons(list) { return list.map(function (r) { return T.reasons[r] || r; }).join("、") || "–"; }
  function render() {
    var body = document.querySelector("#followups tbody");
    body.innerHTML = "";
    rows.forEach(function (f) {
      var tr = document.createElement("tr");
      tr.dataset.id = f.id;
      tr.className = (f.overdue ? "overdue " : "") + (selected && selected.id === f.id ? "selected" : "");
      cell(tr, f.number); cell(tr, f.score + " " + (T.levels[String(f.score)] || ""));
      cell(tr, reasons(f.reasons)); cell(tr, f.counter); cell(tr, f.staff || "–").setAttribute("translate", "no");
      cell(tr, f.due_day);
      var st = cell(tr, T.states[f.state] || f.state);
      if (f.overdue) { var tag = document.createElement("span"); tag.className = "tag-overdue"; tag.textContent = T.overdue; st.appendChild(tag); }
      var b = document.createElement("button"); b.type = "button"; b.textContent = T.view;
      b.addEventListener("click", function () { select(f); });
      tr.appendChild(document.createElement("td")).appendChild(b);
      body.appendChild(tr);
    });
    $("empty").hidden = rows.length > 0;
  }
  var latest = 0;
  function load() {
    var mine = ++latest;  /* a slower, older answer (another tab, a live event) must not overwrite a newer one */
    return OneWindowApi("GET", "/api/v1/followups?state=" + state).then(function (data) {
      if (mine !== latest) return;
      rows = data.followups;
      var late = rows.filter(function (r) { return r.overdue; })[0];
      if (late) alertOf(T.overdueAlert, late);
      if (selected) { var again = rows.filter(function (r) { return r.id === selected.id; })[0]; if (again) selected = again; }
      render();
      if (selected) select(selected);
    });
  }
  function fact(dl, label, text) {
    if (!text) return;
    var dt = document.createElement("dt"); dt.textContent = label; dl.appendChild(dt);
    var dd = document.createElement("dd"); dd.textContent = text; dl.appendChild(dd);
  }
  function select(f) {
    selected = f;
    $("detail").hidden = false;
    $("d-number").textContent = f.number;
    $("d-state").textContent = (T.states[f.state] || f.state) + (f.overdue ? " · " + T.overdue : "");
    var dl = $("d-facts"); dl.innerHTML = "";
    fact(dl, T.facts.opened, day(f.opened_at) + " · " + f.score + " " + (T.levels[String(f.score)] || "") + " · " + reasons(f.reasons));
    fact(dl, T.facts.phone, f.contact_phone || f.contact_phone_masked);
    fact(dl, T.facts.callback, f.callback_at ? f.callback_date + " · " + f.callback_contact + " · " + f.callback_said : "");
    fact(dl, T.facts.rectification, f.rectification);
    fact(dl, T.facts.appeal, f.appeal_reason ? f.appeal_by + ": " + f.appeal_reason : "");
    fact(dl, T.facts.decision, f.decision ? f.decision + (f.decision_note ? " · " + f.decision_note : "") : "");
    fact(dl, T.facts.closed, f.closed_at ? day(f.closed_at) + " · " + (f.closed_in_time ? T.inTime : T.late) + (f.close_note ? " · " + f.close_note : "") : "");
    var open = f.state === "open";
    if ($("f-callback")) {
      $("f-callback").hidden = !open; $("f-close").hidden = !open; $("f-decision").hidden = f.state !== "appealed";
      if (!$("f-callback").date.value) $("f-callback").date.value = new Date().toLocaleDateString("sv-SE", { timeZone: F.tz });
    }
    $("f-appeal").hidden = !(open && f.staff === F.me);
    $("d-error").textContent = "";
    render();
  }
  function step(name, body) {
    if (!selected) return;
    OneWindowApi("POST", "/api/v1/followups/" + selected.id + "/" + name, body)
      .then(function (f) { selected = f; return load(); })
      .catch(function (err) { $("d-error").textContent = err.message; });
  }
  function values(form) { var out = {}; new FormData(form).forEach(function (v, k) { out[k] = v; }); return out; }
  if ($("f-callback")) {
    $("f-callback").addEventListener("submit", function (e) { e.preventDefault(); step("callback", values(e.target)); });
    $("f-close").addEventListener("submit", function (e) {
      e.preventDefault(); var v = values(e.target); if (!v.rectification) delete v.rectification; step("close", v);
    });
    $("b-rectify").addEventListener("click", function () { step("rectification", { rectification: $("f-close").rectification.value }); });
    document.querySelectorAll("[data-uphold]").forEach(function (b) {
      b.addEventListener("click", function () { step("decision", { uphold: b.dataset.uphold === "true", note: $("f-decision").note.value }); });
    });
  }
  $("f-appeal").addEventListener("submit", function (e) { e.preventDefault(); step("appeal", values(e.target)); });
  document.querySelectorAll(".filter").forEach(function (b) {
    b.addEventListener("click", function () {
      state = b.dataset.state;
      document.querySelectorAll(".filter").forEach(function (o) { o.setAttribute("aria-pressed", o === b ? "true" : "false"); });
      load();
    });
  });
  function alertOf(template, f) {
    var p = $("overdue-alert");
    p.textContent = template.replace("{number}", f.number).replace("{due}", f.due_day);
    p.hidden = false;
  }
  if (F.isManager) {
    OneWindowLive("/console", {
      onSnapshot: function () { load(); },
      handlers: {
        followup_opened: function (m) { alertOf(T.newAlert, m.followup); load(); },
        followup_overdue: function (m) { alertOf(T.overdueAlert, m.followup); load(); },
        followup_changed: function () { load(); },
        hall_changed: function () {}, device_status: function () {}
      }
    });
  } else {
    load();
  }
})();
