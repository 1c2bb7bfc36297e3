/* Managers' live hall: counters, queues, waiting tickets, today's figures, devices and alerts over /console. */
(function () {
  "use strict";
  var T = OneWindowData("console-data");
  var live = null;
  function fmt(text, params) {
    return text.replace(/\{(\w+)\}/g, function (_, k) { return params[k] === undefined || params[k] === null ? "" : params[k]; });
  }
  function cell(tr, text, cls) { var td = document.createElement("td"); td.textContent = text === null || text === undefined ? "–" : text; if (cls) td.className = cls; tr.appendChild(td); return td; }
  /* Times in the hall's time zone, whatever the browser's is (the rest of the console uses the hall's too). */
  var HALL_TIME = new Intl.DateTimeFormat("en-GB", {timeZone: T.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23"});
  function clock(ts) { return HALL_TIME.format(new Date(ts * 1000)); }
  function toast(text, bad) { var t = document.getElementById("toast"); t.textContent = text; t.className = "toast " + (bad ? "error" : "ok-text"); }
  function button(label, onClick) { var b = document.createElement("button"); b.type = "button"; b.className = "small secondary"; b.textContent = label; b.addEventListener("click", onClick); return b; }
  function showAlerts(alerts) {
    var ul = document.getElementById("alerts"); ul.innerHTML = "";
    if (!alerts.length) { var li = document.createElement("li"); li.className = "none"; li.textContent = T.none; ul.appendChild(li); return; }
    alerts.forEach(function (a) {
      var li = document.createElement("li");
      li.className = "level-" + a.level; li.dataset.kind = a.kind; li.dataset.key = a.key;
      li.textContent = fmt(T[a.kind] || a.kind, a.params); ul.appendChild(li);
    });
  }
  function showLive(data) {
    live = data;
    var body = document.querySelector("#counters tbody"); body.innerHTML = "";
    data.counters.forEach(function (c) {
      var tr = document.createElement("tr"); tr.dataset.counter = c.number; if (c.state !== "open") tr.className = "paused";
      cell(tr, c.name);
      cell(tr, (T[c.state] || c.state) + (c.state === "paused" ? " (" + (T.pause_reasons[c.pause_reason] || c.pause_reason || "") + ") " + T.since + " " + clock(c.state_since) : ""));
      cell(tr, c.staff_name);
      cell(tr, c.ticket ? c.ticket.number + " · " + (T[c.ticket.state] || c.ticket.state) + " · " + Math.floor((c.ticket.seconds || 0) / 60) + "′" : "");
      cell(tr, c.served_today, "num"); cell(tr, c.mean_service_minutes, "num");
      body.appendChild(tr);
    });
    body = document.querySelector("#queues tbody"); body.innerHTML = "";
    data.categories.forEach(function (q) {
      var tr = document.createElement("tr");
      cell(tr, q.letter + " " + q.name); cell(tr, q.waiting, "num"); cell(tr, q.longest_wait_minutes, "num"); cell(tr, q.estimated_wait_minutes, "num");
      body.appendChild(tr);
    });
    body = document.querySelector("#tickets tbody"); body.innerHTML = "";
    data.tickets.forEach(function (t) {
      var tr = document.createElement("tr"); tr.dataset.ticket = t.id;
      cell(tr, t.number + (t.priority ? " ★" : "") + (t.print_failed ? " · " + T.not_printed : ""),
           t.print_failed ? "error" : null);
      cell(tr, T[t.state] || t.state);
      cell(tr, Math.floor(t.waited_seconds / 60), "num"); cell(tr, t.appointment || "");
      var td = cell(tr, ""); td.className = "no-print";
      td.appendChild(button(T.reprint, function () { act("POST", "/api/v1/tickets/" + t.id + "/reprint", {}); }));
      td.appendChild(document.createTextNode(" "));
      td.appendChild(button(T.cancel, function () {
        if (window.confirm(fmt(T.confirm_cancel, t))) act("POST", "/api/v1/tickets/" + t.id + "/cancel", {reason: "manager"});
      }));
      body.appendChild(tr);
    });
    showAlerts(data.alerts);
  }
  function act(method, url, body) {
    return OneWindowApi(method, url, body).then(function () { toast(T.done); socket.emit("snapshot_request"); })
      .catch(function (e) { toast(e.message, true); });
  }
  function pct(v) { return v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%"; }
  function num(v) { return v === null || v === undefined ? "–" : v; }
  function showSummary(summary, lobby) {
    document.getElementById("summary-date").textContent = summary.date;
    ["issued", "finished", "no_shows", "waiting_minutes_mean", "waiting_minutes_p90", "service_minutes_mean",
     "walk_minutes_mean", "held", "hold_minutes_mean", "rated"]
      .forEach(function (k) { document.getElementById("s-" + k).textContent = num(summary[k]); });
    document.getElementById("s-satisfaction_rate").textContent = pct(summary.satisfaction_rate);
    if (lobby) document.getElementById("s-waiting").textContent = lobby.waiting_total;
  }
  function showDevices(list) {
    var ul = document.getElementById("devices"); ul.innerHTML = "";
    list.forEach(function (d) {
      // A device is named "<kind>", "<kind>:<where>" or "<kind> <port>": the kind is translated, the rest is a name.
      var split = /^([a-z_]+)[: ]?(.*)$/.exec(d.device) || [d.device, d.device, ""];
      var li = document.createElement("li"), kind = document.createElement("span");
      kind.textContent = T.device_kinds[split[1]] || split[1];
      li.appendChild(kind);
      if (split[2]) {
        var where = document.createElement("code"); where.setAttribute("translate", "no");
        where.textContent = split[2]; li.appendChild(document.createTextNode(" ")); li.appendChild(where);
      }
      li.appendChild(document.createTextNode(T.state_sep + (T.device_states[d.state] || d.state)));
      if (d.message && d.state !== "ok") {
        var detail = document.createElement("small"); detail.className = "muted"; detail.lang = "en";
        detail.title = T.technical; detail.textContent = " — " + d.message; li.appendChild(detail);
      }
      if (d.agent) {
        li.appendChild(document.createTextNode(" · " + fmt(T.device_agent, {agent: d.agent,
                                                                            time: d.seen_at ? clock(d.seen_at) : "–"})));
      }
      li.className = d.state === "ok" ? "" : "error"; li.dataset.device = d.device;
      ul.appendChild(li);
    });
  }
  function showPrefecture(p) {
    var box = document.getElementById("prefecture");
    if (!box || !p) return;
    var state = document.getElementById("prefecture-state");
    state.textContent = T["prefecture_" + p.state] || p.state;
    state.className = p.state === "ok" ? "" : "error";
    document.getElementById("prefecture-backlog").textContent = p.backlog;
    document.getElementById("prefecture-acknowledged-at").textContent =
      p.acknowledged_at ? HALL_TIME.format(new Date(p.acknowledged_at * 1000)) : "–";
    document.getElementById("prefecture-failures").textContent = p.failures;
    document.getElementById("prefecture-error").textContent = p.diverged || (p.failures ? p.last_error || "" : "");
  }
  var devices = {};
  var refresh = null;
  var socket = OneWindowLive("/console", {
    onSnapshot: function (data) {
      showSummary(data.summary, data.lobby);
      devices = {}; data.devices.forEach(function (d) { devices[d.device] = d; });
      showDevices(data.devices);
      showLive(data.live);
      showPrefecture(data.prefecture);
    },
    handlers: {
      hall_changed: function () {
        clearTimeout(refresh);
        refresh = setTimeout(function () { socket.emit("snapshot_request"); }, 300);
      },
      device_status: function (d) {
        devices[d.device] = d;
        showDevices(Object.keys(devices).map(function (k) { return devices[k]; }));
        clearTimeout(refresh);
        refresh = setTimeout(function () { socket.emit("snapshot_request"); }, 300);
      },
      alerts: function (msg) {
        showAlerts(msg.alerts);
        clearTimeout(refresh);
        refresh = setTimeout(function () { socket.emit("snapshot_request"); }, 300);
      }
    }
  });
})();
