// The prefecture console: log in/out, the halls table refreshed every few seconds, reports, catalogue, export.
(function () {
  "use strict";
  const $ = (s) => document.querySelector(s);

  async function api(method, url, body) {
    const response = await fetch(url, {method, headers: body ? {"Content-Type": "application/json"} : {},
      body: body ? JSON.stringify(body) : undefined, credentials: "same-origin"});
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.message || response.statusText);
    return data;
  }

  const login = $("#login");
  if (login) login.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api("POST", "/api/v1/login", {username: login.username.value, password: login.password.value});
      location.href = "/";
    } catch (err) { $("#login-error").textContent = err.message; }
  });
  const logout = $("#logout");
  if (logout) logout.addEventListener("click", async () => { await api("POST", "/api/v1/logout"); location.href = "/login"; });

  // ---- halls, refreshed ------------------------------------------------------------
  const halls = $("#halls");
  if (halls) {
    const texts = window.regionTexts || {};
    const dash = (v) => (v === null || v === undefined ? "—" : v);
    async function refresh() {
      try {
        const data = await api("GET", "/api/v1/halls");
        for (const h of data.halls) {
          const row = halls.querySelector(`tr[data-hall="${CSS.escape(h.code)}"]`);
          if (!row) continue;
          row.querySelector('[data-field="waiting"]').textContent = dash(h.waiting);
          row.querySelector('[data-field="open_counters"]').textContent =
            dash(h.open_counters) + (h.counters ? ` / ${h.counters}` : "");
          row.querySelector('[data-field="longest_wait_minutes"]').textContent = dash(h.longest_wait_minutes);
          row.querySelector('[data-field="last_shipped"]').textContent = h.last_shipped || texts.never;
          row.querySelector('[data-field="backlog"]').textContent = h.backlog;
          row.classList.toggle("stale", h.stale);
          row.classList.toggle("diverged", !!h.diverged);
          const flag = row.querySelector('[data-field="state"] .flag');
          if (flag && !h.diverged) {
            flag.className = "flag " + (h.stale ? "warn" : "ok");
            flag.textContent = h.stale ? texts.stale : texts.live;
          }
        }
      } catch (err) { /* keep the last figures; the stale marks tell their age */ }
    }
    setInterval(refresh, 1000 * Number(halls.dataset.refresh || 15));
  }

  // ---- reports ------------------------------------------------------------------------
  const form = $("#report-form");
  if (form) {
    const figures = JSON.parse($("#report-figures").textContent);
    const texts = JSON.parse($("#report-texts").textContent);
    let chart = null;
    const query = (extra) => {
      const params = new URLSearchParams(new FormData(form));
      for (const [k, v] of [...params]) if (!v) params.delete(k);
      for (const [k, v] of Object.entries(extra || {})) params.set(k, v);
      return params.toString();
    };
    async function show() {
      $("#report-error").textContent = "";
      $("#csv").href = "/api/v1/reports?" + query({format: "csv"});
      $("#xlsx").href = "/api/v1/reports?" + query({format: "xlsx"});
      let data;
      try { data = await api("GET", "/api/v1/reports?" + query()); }
      catch (err) { $("#report-error").textContent = err.message; return; }
      const body = $("#report tbody");
      body.replaceChildren();
      for (const row of [...data.rows, {...data.total, label: texts.total}]) {
        const tr = document.createElement("tr");
        for (const value of [row.label, ...figures.map((f) => row[f])]) {
          const td = document.createElement("td");
          td.textContent = value === null || value === undefined ? "—" : value;
          tr.appendChild(td);
        }
        body.appendChild(tr);
      }
      if (window.Chart) {
        if (chart) chart.destroy();
        chart = new window.Chart($("#report-chart"), {type: "bar", data: {labels: data.rows.map((r) => r.label),
          datasets: [{label: texts.chart, data: data.rows.map((r) => r.waiting_minutes_mean)}]},
          options: {animation: false}});
      }
      form.dataset.loaded = String(Date.now());
    }
    form.addEventListener("submit", (e) => { e.preventDefault(); show(); });
    show();
  }

  // ---- catalogue ------------------------------------------------------------------------
  const publish = $("#publish");
  if (publish) publish.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const document_ = JSON.parse(publish.document.value);
      await api("POST", "/api/v1/catalogue", {document: document_, note: publish.note.value});
      location.reload();
    } catch (err) { $("#publish-error").textContent = err.message; }
  });

  // ---- 好差评 export ------------------------------------------------------------------------
  const exportForm = $("#export-form");
  if (exportForm) {
    const query = (fmt) => {
      const params = new URLSearchParams(new FormData(exportForm));
      for (const [k, v] of [...params]) if (!v) params.delete(k);
      params.set("format", fmt);
      return "/api/v1/ratings/export?" + params.toString();
    };
    async function show() {
      $("#jsonl").href = query("jsonl");
      $("#ratings-csv").href = query("csv");
      const data = await api("GET", query("json"));
      $("#export-count").textContent = `${data.records.length} / ${data.held.length}`;
      const body = $("#held tbody");
      body.replaceChildren();
      for (const r of data.held) {
        const tr = document.createElement("tr");
        for (const v of [r.case_number, r.level_name, r.problem]) {
          const td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
        }
        body.appendChild(tr);
      }
    }
    exportForm.addEventListener("submit", (e) => { e.preventDefault(); show(); });
    show();
  }
})();
