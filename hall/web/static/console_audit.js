/* Audit log page: filter the configuration changes from /api/v1/admin/audit and show each as readable lines,
 * "field: before → after", with lists as items added and removed (never raw JSON). */
(function () {
  "use strict";
  var T = OneWindowData("audit-data");
  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  function text(value, field) {
    if (value === null || value === undefined || value === "") return T.none;
    if (field === "active" || typeof value === "boolean") return value ? T.yes : T.no;
    if (Array.isArray(value)) return value.length ? value.map(function (v) { return text(v); }).join("、") : T.none;
    if (typeof value === "object") {
      if (field === "guide") return T.changed;
      if (value.port !== undefined) return value.port + " #" + value.address;
      return Object.keys(value).map(function (k) { return k + ": " + text(value[k]); }).join("；");
    }
    return String(value);
  }
  function target(t) {
    var m = /^counter (\d+)$/.exec(t || "");
    if (m) return T.counter_n.replace("{n}", m[1]);
    return t === "hall" ? T.hall : t;
  }
  function changes(before, after) {
    var ul = el("ul", undefined, "changes"), keys = {};
    [before, after].forEach(function (v) { if (v && typeof v === "object") Object.keys(v).forEach(function (k) { keys[k] = true; }); });
    Object.keys(keys).sort().forEach(function (k) {
      var old = before ? before[k] : undefined, now = after ? after[k] : undefined;
      if (before && after && same(old, now)) return;
      var li = el("li"); li.dataset.field = k;
      li.appendChild(el("span", (T.fields[k] || k) + "：", "field"));
      if (Array.isArray(old) && Array.isArray(now) && k !== "notices") {
        var added = now.filter(function (v) { return old.indexOf(v) < 0; }), removed = old.filter(function (v) { return now.indexOf(v) < 0; });
        if (added.length) li.appendChild(el("ins", "+ " + text(added)));
        if (added.length && removed.length) li.appendChild(document.createTextNode(" "));
        if (removed.length) li.appendChild(el("del", "− " + text(removed)));
        if (!added.length && !removed.length) li.appendChild(document.createTextNode(text(now)));
      } else if (before && after) {
        li.appendChild(el("del", text(old, k))); li.appendChild(document.createTextNode(" → ")); li.appendChild(el("ins", text(now, k)));
      } else {
        li.appendChild(document.createTextNode(text(after ? now : old, k)));
      }
      ul.appendChild(li);
    });
    return ul;
  }
  function load() {
    var params = new URLSearchParams();
    [["actor", "a-actor"], ["action", "a-action"], ["target", "a-target"], ["from", "a-from"], ["to", "a-to"]].forEach(function (p) {
      if ($(p[1]).value) params.set(p[0], $(p[1]).value); });
    $("audit-error").textContent = "";
    OneWindowApi("GET", "/api/v1/admin/audit?" + params.toString()).then(function (r) {
      var body = document.querySelector("#audit tbody"); body.innerHTML = "";
      r.entries.forEach(function (e) {
        var tr = el("tr"); tr.dataset.action = e.action;
        [e.when.replace("T", " ").slice(0, 16), e.actor, T.actions[e.action] || e.action, target(e.target)].forEach(function (v) { tr.appendChild(el("td", v)); });
        tr.children[1].setAttribute("translate", "no");  // the actor's username
        tr.appendChild(el("td")).appendChild(changes(e.before, e.after));
        body.appendChild(tr);
      });
      if (!r.entries.length) { var tr = el("tr"), td = el("td", T.empty, "muted"); td.colSpan = 5; tr.appendChild(td); body.appendChild(tr); }
    }).catch(function (e) { $("audit-error").textContent = e.message; });
  }
  $("audit-form").addEventListener("submit", function (e) { e.preventDefault(); load(); });
  load();
})();
