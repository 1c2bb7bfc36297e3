/* Configuration page: hall settings, counters (add, rename, retire, evaluators, LED strip), the authorisation
 * matrix (categories × counters, opening into items), service items with aliases, bundles and categories. */
(function () {
  "use strict";
  var T = OneWindowData("config-data");
  var catalogue = null, opened = {};
  function $(id) { return document.getElementById(id); }
  function fmt(text, params) { return text.replace(/\{(\w+)\}/g, function (_, k) { return params[k] === undefined ? "" : params[k]; }); }
  function toast(text, bad) { var t = $("toast"); t.textContent = text; t.className = "toast " + (bad ? "error" : "ok-text"); }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function button(label, onClick, cls) { var b = el("button", label, "small " + (cls || "secondary")); b.type = "button"; b.addEventListener("click", onClick); return b; }
  function option(select, value, text) { var o = el("option", text); o.value = value; select.appendChild(o); }
  function row(table, cells) {
    var tr = el("tr");
    cells.forEach(function (c) { tr.appendChild(el("td", c)); });
    document.querySelector("#" + table + " tbody").appendChild(tr); return tr;
  }
  function itemName(code) {
    var item = catalogue.items.filter(function (i) { return i.code === code; })[0];
    return code + " " + (item ? item.name_zh : "");
  }
  function chips(codes) { var box = el("div", undefined, "chips"); codes.forEach(function (c) { box.appendChild(el("span", itemName(c))); }); return box; }
  function save(method, url, body, message) {
    return OneWindowApi(method, url, body).then(function (r) { toast(message || T.saved); return load().then(function () { return r; }); })
      .catch(function (e) { toast(e.message, true); throw e; });
  }
  function quiet(promise) { return promise.catch(function () { /* shown in the toast */ }); }

  /* ---- counters ---- */
  function stateText(c) { return c.active ? (T[c.state] || c.state) : T.retired; }
  function renderCounters() {
    var body = document.querySelector("#counters-admin tbody"); body.innerHTML = "";
    catalogue.counters.forEach(function (c) {
      var tr = el("tr", undefined, c.active ? "" : "retired"); tr.dataset.counter = c.number;
      tr.appendChild(el("td", String(c.number)));
      var nameCell = el("td"), name = el("input"); name.value = c.name; name.maxLength = 40; name.size = 14; name.className = "counter-name";
      nameCell.appendChild(name); nameCell.appendChild(document.createTextNode(" "));
      nameCell.appendChild(button(T.rename, function () { quiet(save("PUT", "/api/v1/admin/counters/" + c.number, {name: name.value})); }));
      tr.appendChild(nameCell);
      tr.appendChild(el("td", stateText(c), "counter-state"));
      var devices = el("td");
      c.devices.forEach(function (d) {
        var line = el("div"), deviceName = el("code", d.name); line.dataset.device = d.id;
        deviceName.setAttribute("translate", "no"); line.appendChild(deviceName); line.appendChild(document.createTextNode(" "));
        line.appendChild(button(T.revoke, function () {
          if (window.confirm(fmt(T.confirm_revoke, d))) quiet(save("POST", "/api/v1/admin/counters/" + c.number + "/devices/" + d.id + "/revoke", {}));
        }));
        devices.appendChild(line);
      });
      if (c.active) devices.appendChild(button(T.add_evaluator, function () { addEvaluator(c); }, "secondary add-evaluator"));
      tr.appendChild(devices);
      var led = el("td"), port = el("input"), address = el("input");
      port.value = c.led ? c.led.port : ""; port.size = 12; port.placeholder = "/dev/ttyUSB0"; port.className = "led-port";
      port.setAttribute("translate", "no");
      address.type = "number"; address.min = 0; address.max = 255; address.value = c.led ? c.led.address : ""; address.className = "led-address";
      led.appendChild(port); led.appendChild(address);
      led.appendChild(button(T.set_led, function () {
        var value = port.value.trim() ? {port: port.value.trim(), address: Number(address.value || 1)} : null;
        quiet(save("PUT", "/api/v1/admin/counters/" + c.number, {led: value}));
      }));
      tr.appendChild(led);
      var act = el("td");
      act.appendChild(c.active
        ? button(T.retire, function () { if (window.confirm(fmt(T.confirm_retire, c))) quiet(save("PUT", "/api/v1/admin/counters/" + c.number, {active: false})); }, "secondary retire")
        : button(T.enable, function () { quiet(save("PUT", "/api/v1/admin/counters/" + c.number, {active: true})); }, "secondary enable"));
      tr.appendChild(act);
      body.appendChild(tr);
    });
  }
  function addEvaluator(c) {
    OneWindowApi("POST", "/api/v1/admin/counters/" + c.number + "/devices", {kind: "evaluator"}).then(function (r) {
      return load().then(function () { $("device-token").textContent = fmt(T.evaluator_link, {name: c.name, url: r.url}); });
    }).catch(function (e) { toast(e.message, true); });
  }
  $("counter-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var body = {number: Number($("new-counter-number").value)};
    if ($("new-counter-name").value.trim()) body.name = $("new-counter-name").value.trim();
    quiet(save("POST", "/api/v1/admin/counters", body, T.added).then(function () { $("counter-form").reset(); }));
  });

  /* ---- authorisation matrix ---- */
  function setItems(counter, items) {
    return quiet(save("PUT", "/api/v1/admin/counters/" + counter.number + "/items", {items: items}));
  }
  function checkbox(checked, indeterminate, onChange, label) {
    var box = el("label"), input = el("input");
    input.type = "checkbox"; input.checked = checked; input.indeterminate = indeterminate;
    input.addEventListener("change", function () { onChange(input.checked); });
    box.appendChild(input); if (label) box.appendChild(el("span", label));
    return box;
  }
  function renderMatrix() {
    var counters = catalogue.counters.filter(function (c) { return c.active; });
    var head = document.querySelector("#auth-matrix thead"), body = document.querySelector("#auth-matrix tbody");
    head.innerHTML = ""; body.innerHTML = "";
    var tr = el("tr"); tr.appendChild(el("th", T.category));
    counters.forEach(function (c) { var th = el("th", c.name); th.dataset.counter = c.number; tr.appendChild(th); });
    head.appendChild(tr);
    catalogue.categories.forEach(function (cat) {
      var items = catalogue.items.filter(function (i) { return i.category === cat.code && i.active; }).map(function (i) { return i.code; });
      if (!items.length) return;
      var crow = el("tr", undefined, "category"); crow.dataset.category = cat.code;
      var first = el("td"), toggle = button(opened[cat.code] ? "▾" : "▸", function () { opened[cat.code] = !opened[cat.code]; renderMatrix(); }, "secondary toggle");
      toggle.setAttribute("aria-expanded", opened[cat.code] ? "true" : "false"); toggle.title = T.open_items;
      first.appendChild(toggle); first.appendChild(document.createTextNode(cat.letter + " " + cat.name_zh)); crow.appendChild(first);
      counters.forEach(function (c) {
        var served = items.filter(function (i) { return c.items.indexOf(i) >= 0; }).length;
        var td = el("td"); td.dataset.counter = c.number;
        td.appendChild(checkbox(served === items.length, served > 0 && served < items.length, function (on) {
          var rest = c.items.filter(function (i) { return items.indexOf(i) < 0; });
          setItems(c, on ? rest.concat(items) : rest);
        }, fmt(T.all_items, {served: served, total: items.length})));
        crow.appendChild(td);
      });
      body.appendChild(crow);
      if (!opened[cat.code]) return;
      items.forEach(function (code) {
        var irow = el("tr", undefined, "item"); irow.dataset.item = code;
        irow.appendChild(el("td", itemName(code)));
        counters.forEach(function (c) {
          var td = el("td"); td.dataset.counter = c.number;
          td.appendChild(checkbox(c.items.indexOf(code) >= 0, false, function (on) {
            setItems(c, on ? c.items.concat([code]) : c.items.filter(function (i) { return i !== code; }));
          }));
          irow.appendChild(td);
        });
        body.appendChild(irow);
      });
    });
  }

  /* ---- catalogue ---- */
  function render() {
    ["bundles", "categories"].forEach(function (t) { document.querySelector("#" + t + " tbody").innerHTML = ""; });
    ["bundle-code", "item-category"].forEach(function (s) { $(s).innerHTML = ""; });
    document.querySelectorAll(".item-select").forEach(function (s) { s.innerHTML = ""; });
    catalogue.bundles.forEach(function (b) {
      var tr = row("bundles", [b.code + " " + b.name_zh + (b.active ? "" : " ✕"), ""]); tr.dataset.bundle = b.code;
      tr.lastChild.appendChild(chips(b.items)); option($("bundle-code"), b.code, b.name_zh);
    });
    catalogue.categories.forEach(function (c) {
      var tr = row("categories", [c.letter, c.code, c.name_zh + " / "]), english = el("span", c.name_en);
      tr.children[1].setAttribute("translate", "no"); english.lang = "en"; tr.lastChild.appendChild(english);
      option($("item-category"), c.code, c.letter + " " + c.name_zh);
    });
    var pick = $("item-pick"), chosen = pick.value; pick.length = 1;
    catalogue.items.forEach(function (i) {
      option(pick, i.code, i.code + " " + i.name_zh + (i.active ? "" : " ✕"));
      if (i.active) document.querySelectorAll(".item-select").forEach(function (s) { option(s, i.code, i.code + " " + i.name_zh); });
    });
    pick.value = chosen;
    renderCounters(); renderMatrix();
  }
  function load() { return OneWindowApi("GET", "/api/v1/admin/catalogue").then(function (c) { catalogue = c; render(); }); }
  function loadSettings() {
    return OneWindowApi("GET", "/api/v1/admin/settings").then(function (s) {
      document.querySelectorAll("#settings-form input[name]").forEach(function (i) { i.value = s[i.name] === undefined ? "" : s[i.name]; });
      var tpl = s.announcement_template || {}, notices = s.notices || {};
      $("set-template-zh").value = tpl.zh || ""; $("set-template-en").value = tpl.en || "";
      $("set-notices-zh").value = (notices.zh || []).join("\n"); $("set-notices-en").value = (notices.en || []).join("\n");
    });
  }
  function lines(text) { return text.split("\n").map(function (l) { return l.trim(); }).filter(Boolean); }
  function words(text) { return text.split(/[、,，;；\s]+/).map(function (w) { return w.trim(); }).filter(Boolean); }
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
    quiet(save("POST", "/api/v1/admin/bundles/" + encodeURIComponent($("bundle-code").value) + "/items", {item: $("bundle-item").value}, T.added));
  });
  $("category-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = $("cat-code").value, exists = catalogue.categories.some(function (c) { return c.code === code; });
    var body = {letter: $("cat-letter").value, name_zh: $("cat-name_zh").value, name_en: $("cat-name_en").value};
    if (exists) quiet(save("PUT", "/api/v1/admin/categories/" + encodeURIComponent(code), body));
    else { body.code = code; quiet(save("POST", "/api/v1/admin/categories", body)); }
  });
  $("item-pick").addEventListener("change", function () {
    var item = catalogue.items.filter(function (i) { return i.code === $("item-pick").value; })[0] || {guide: {}, aliases: [], active: 1, kind: "instant", time_limit_days: 0, avg_service_minutes: 8};
    $("item-code").value = item.code || ""; $("item-code").readOnly = !!item.code;
    $("item-category").value = item.category || $("item-category").value;
    $("item-name_zh").value = item.name_zh || ""; $("item-name_en").value = item.name_en || "";
    $("item-aliases").value = (item.aliases || []).join("、");
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
                avg_service_minutes: Number($("item-avg").value), active: $("item-active").checked, guide: guide,
                aliases: words($("item-aliases").value)};
    if (!existing) {
      body.code = code;
      quiet(save("POST", "/api/v1/admin/items", body).then(function () { $("item-pick").value = code; }));
      return;
    }
    var url = "/api/v1/admin/items/" + encodeURIComponent(code);
    OneWindowApi("PUT", url, body).then(function () { toast(T.saved); return load(); }).catch(function (err) {
      /* Retiring an item that bundles hold: say which, and offer to take it out of them. */
      if (err.data && err.data.error === "item_in_bundles" && window.confirm(fmt(T.in_bundles, {message: err.message}))) {
        body.remove_from_bundles = true;
        return quiet(save("PUT", url, body));
      }
      toast(err.message, true);
    });
  });
  load(); loadSettings();
})();
