/* The clerks' assessment (日常考核): one row per clerk, and the handling per item and the bad ratings with
 * their follow-up below. A clerk's session gets only their own row from the API. */
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("assessment-text").textContent);
  var form = document.getElementById("assessment-form");
  var latest = 0;
  function $(id) { return document.getElementById(id); }
  function pct(x) { return x === null || x === undefined ? "–" : (x * 100).toFixed(1) + "%"; }
  function num(x) { return x === null || x === undefined ? "–" : Number(x).toFixed(1); }
  function iso(d) { return d.toISOString().slice(0, 10); }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function table(head, rows) {
    var t = el("table", undefined, "data"), h = el("thead"), tr = el("tr");
    head.forEach(function (c, i) { tr.appendChild(el("th", c, i ? "num" : "")); });
    h.appendChild(tr); t.appendChild(h);
    var b = el("tbody");
    rows.forEach(function (r) {
      var line = el("tr"); r.forEach(function (c, i) { line.appendChild(el(i ? "td" : "th", c, i ? "num" : "")); }); b.appendChild(line);
    });
    t.appendChild(b);
    return t;
  }
  function show(data) {
    var body = document.querySelector("#clerks tbody"); body.innerHTML = "";
    var details = $("details"); details.innerHTML = "";
    data.clerks.forEach(function (c) {
      var tr = el("tr"); tr.dataset.clerk = c.clerk;
      [c.name, c.counter === null ? "–" : c.counter, c.cases, num(c.handling_minutes_mean), num(c.handling_minutes_p90),
       c.authorised_items + " / " + c.active_items + " (" + pct(c.authorised_share) + ")", pct(c.rating_rate),
       pct(c.satisfaction_rate), c.bad_ratings, c.followups.open, c.followups.overdue].forEach(function (v, i) {
        tr.appendChild(el(i ? "td" : "th", v, i ? "num" : ""));
      });
      body.appendChild(tr);
      var section = el("section", undefined, "card"); section.dataset.clerk = c.clerk;
      section.appendChild(el("h3", c.name));
      section.appendChild(el("h4", T.items));
      section.appendChild(c.items.length ? table([T.service, T.cases, T.mean, T.p90], c.items.map(function (i) {
        return [i.name, i.cases, num(i.mean_minutes), num(i.p90_minutes)];
      })) : el("p", T.none, "muted"));
      section.appendChild(el("h4", T.bad));
      section.appendChild(c.bad.length ? table([T.ticket, T.day, T.score, T.state, T.due, T.in_time], c.bad.map(function (b) {
        var state = b.followup_state ? (T.states[b.followup_state] || b.followup_state) : "–";
        if (b.overdue) state += " (" + T.overdue + ")";
        return [b.number, b.day, b.score, state, b.due_day || "–", b.closed_in_time === null ? "–" : (b.closed_in_time ? T.yes : T.no)];
      })) : el("p", T.none, "muted"));
      details.appendChild(section);
    });
    document.querySelector("#clerks").dataset.ready = "1";
  }
  function load() {
    var mine = ++latest;
    $("assessment-error").textContent = "";
    var p = new URLSearchParams({from: $("from").value, to: $("to").value});
    if ($("clerk") && $("clerk").value.trim()) p.set("clerk", $("clerk").value.trim());
    OneWindowApi("GET", "/api/v1/assessment?" + p.toString()).then(function (data) { if (mine === latest) show(data); })
      .catch(function (e) { if (mine === latest) $("assessment-error").textContent = e.message; });
  }
  var today = new Date(form.dataset.today + "T00:00:00Z");
  $("to").value = iso(today);
  $("from").value = iso(new Date(today.getTime() - 29 * 86400000));
  form.addEventListener("submit", function (e) { e.preventDefault(); load(); });
  $("print").addEventListener("click", function () { window.print(); });
  load();
})();
