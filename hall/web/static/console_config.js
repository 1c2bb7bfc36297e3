/* Configuration page: hall settings, bundles, counters' items, categories and service items with their guides. */
(function () {
  "use strict";
  var T = OneWindowData("config-data");
  var catalogue = null, settings = null;
  function $(id) { return document.getElementById(id); }
  function toast(text, bad) { var t = $("toast"); t.textContent = text; t.className = "toast " + (bad ? "error" : "ok-text"); window.scrollTo(0, 0); }
  function option(select, value, text) { var o = document.createElement("option"); o.value = value; o.textContent = text; select.appendChild(o); }
  function row(table, cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (c) { var td = document.createElement("td"); td.textContent = c; tr.appendChild(td); });
    document.querySelector("#" + table + " tbody").appendChild(tr); return tr;
  }
  function names(codes) {
    var by = {}; catalogue.items.forEach(function (i) { by[i.code] = i.name_zh; });
    return codes.map(function (c) { return c + " " + (by[c] || ""); }).join("、");
  }
  function render() {
    ["bundles", "counter-items", "categories"].forEach(function (t) { document.querySelector("#" + t + " tbody").innerHTML = ""; });
    ["bundle-code", "counter-number", "item-category"].forEach(function (s) { $(s).innerHTML = ""; });
    document.querySelectorAll(".item-select").forEach(function (s) { s.innerHTML = ""; });
    catalogue.bundles.forEach(function (b) { row("bundles", [b.code + " " + b.name_zh, names(b.items)]).dataset.bundle = b.code; option($("bundle-code"), b.code, b.name_zh); });
    catalogue.counters.forEach(function (c) { row("counter-items", [c.name, names(c.items)]).dataset.counter = c.number; option($("counter-number"), c.number, c.name); });
    catalogue.categories.forEach(function (c) { row("categories", [c.letter, c.code, c.name_zh + " / " + c.name_en]); option($("item-category"), c.code, c.letter + " " + c.name_zh); });
    var pick = $("item-pick"), chosen = pick.value; pick.length = 1;
    catalogue.items.forEach(function (i) {
      option(pick, i.code, i.code + " " + i.name_zh + (i.active ? "" : " ✕"));
      document.querySelectorAll(".item-select").forEach(function (s) { option(s, i.code, i.code + " " + i.name_zh); });
    });
    pick.value = chosen;
  }
  function load() { return OneWindowApi("GET", "/api/v1/admin/catalogue").then(function (c) { catalogue = c; render(); }); }
  function save(method, url, body, message) {
    return OneWindowApi(method, url, body).then(function (r) { toast(message || T.saved); return load().then(function () { return r; }); })
      .catch(function (e) { toast(e.message, true); });
  }
  function loadSettings() {
    return OneWindowApi("GET", "/api/v1/admin/settings").then(function (s) {
      settings = s;
      document.querySelectorAll("#settings-form input[name]").forEach(function (i) { i.value = s[i.name] === undefined ? "" : s[i.name]; });
      var tpl = s.announcement_template || {}, notices = s.notices || {};
      $("set-template-zh").value = tpl.zh || ""; $("set-template-en").value = tpl.en || "";
      $("set-notices-zh").value = (notices.zh || []).join("\n"); $("set-notices-en").value = (notices.en || []).join("\n");
    });
  }
  function lines(text) { return text.split("\n").map(function (l) { return l.trim(); }).filter(Boolean); }
  $("settings-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var body = {};
    document.querySelectorAll("#settings-form input[name]").forEach(function (i) { body[i.name] = i.hasAttribute("data-number") ? Number(i.value) : i.value; });
    body.announcement_template = {zh: $("set-template-zh").value, en: $("set-template-en").value};
    body.notices = {zh: lines($("set-notices-zh").value), en: lines($("set-notices-en").value)};
    OneWindowApi("PUT", "/api/v1/admin/settings", body).then(function () { toast(T.saved); loadSettings(); }).catch(function (e) { toast(e.message, true); });
  });
  $("bundle-item-form").addEventListener("submit", function (e) {
    e.preventDefault();
    save("POST", "/api/v1/admin/bundles/" + encodeURIComponent($("bundle-code").value) + "/items", {item: $("bundle-item").value}, T.added);
  });
  $("counter-item-form").addEventListener("submit", function (e) {
    e.preventDefault();
    save("POST", "/api/v1/admin/counters/" + $("counter-number").value + "/items", {item: $("counter-item").value}, T.added);
  });
  $("category-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = $("cat-code").value, exists = catalogue.categories.some(function (c) { return c.code === code; });
    var body = {letter: $("cat-letter").value, name_zh: $("cat-name_zh").value, name_en: $("cat-name_en").value};
    if (exists) save("PUT", "/api/v1/admin/categories/" + encodeURIComponent(code), body);
    else { body.code = code; save("POST", "/api/v1/admin/categories", body); }
  });
  $("item-pick").addEventListener("change", function () {
    var item = catalogue.items.filter(function (i) { return i.code === $("item-pick").value; })[0] || {guide: {}, active: 1, kind: "instant", time_limit_days: 0, avg_service_minutes: 8};
    $("item-code").value = item.code || ""; $("item-code").readOnly = !!item.code;
    $("item-category").value = item.category || $("item-category").value;
    $("item-name_zh").value = item.name_zh || ""; $("item-name_en").value = item.name_en || "";
    $("item-kind").value = item.kind; $("item-time_limit_days").value = item.time_limit_days; $("item-avg").value = item.avg_service_minutes;
    $("item-materials").value = ((item.guide.materials || {}).zh || []).join("\n"); $("item-active").checked = !!item.active;
  });
  $("item-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = $("item-code").value, existing = catalogue.items.filter(function (i) { return i.code === code; })[0];
    var guide = existing ? JSON.parse(JSON.stringify(existing.guide || {})) : {};
    guide.materials = guide.materials || {}; guide.materials.zh = lines($("item-materials").value);
    var body = {category: $("item-category").value, name_zh: $("item-name_zh").value, name_en: $("item-name_en").value,
                kind: $("item-kind").value, time_limit_days: Number($("item-time_limit_days").value),
                avg_service_minutes: Number($("item-avg").value), active: $("item-active").checked, guide: guide};
    if (existing) save("PUT", "/api/v1/admin/items/" + encodeURIComponent(code), body);
    else { body.code = code; save("POST", "/api/v1/admin/items", body).then(function () { $("item-pick").value = code; }); }
  });
  load(); loadSettings();
})();
