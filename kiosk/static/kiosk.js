/* Kiosk pages: idle return home, back, search with on-screen letters, take a ticket, check in, the ticket screen. */
(function () {
  "use strict";
  /* The kiosk's settings and texts, plus what one page adds (search links, reprint window). */
  var K = Object.assign(OneWindowData("kiosk-data"), OneWindowData("kiosk-page-data") || {});
  function $(id) { return document.getElementById(id); }
  function page() { var el = document.querySelector("[data-page]"); return el ? el.dataset.page : ""; }

  /* A plain-language message for any failure: the API's error code decides, never a raw English string. */
  function message(err) {
    var data = (err && err.data) || {};
    if (!err || !err.status) return K.text.offline;
    switch (data.error) {
      case "check_in_refused": return K.text.checkInRefused;
      case "too_many_attempts": return K.text.tooManyAttempts;
      case "outside_service_hours":
        return details.next_opening ? K.text.closed.replace("__D__", details.next_opening_date)
          .replace("__W__", K.text.weekdays[details.next_opening_weekday]).replace("__T__", details.next_opening_time)
          : K.text.closedUnknown;
      case "quota_exhausted": return details.limit === "slot" ? K.text.slotQuota : K.text.dayQuota;
      case "reprint_refused": return K.text.reprintRefused;
      case "invalid_input": return page() === "appointment" ? K.text.badCode : K.text.failed;
      default: return K.text.failed;
    }
  }

  /* ---- idle: back to the Chinese home page, search cleared ---- */
  var idleTimer = null;
  function atPristineHome() {
    return page() === "home" && K.lang === "zh" && !($("search-input") && $("search-input").value) && window.scrollY === 0;
  }
  function resetIdle() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { if (!atPristineHome()) location.href = K.home; else resetIdle(); },
                           K.idleSeconds * 1000);
  }
  ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
    window.addEventListener(name, resetIdle, { passive: true });
  });
  resetIdle();
  document.querySelectorAll("[data-back]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (history.length > 1 && document.referrer.indexOf(location.host) !== -1) history.back();
      else location.href = K.home;
    });
  });

  /* ---- home: search ---- */
  function initSearch() {
    var input = $("search-input"), results = $("search-results"), pending = null, asked = 0;
    function render(data, query) {
      results.innerHTML = "";
      results.dataset.query = query;
      if (!query) return;
      if (!data.results.length) {
        var none = document.createElement("li"); none.className = "muted"; none.textContent = K.text.noResults;
        results.appendChild(none); return;
      }
      data.results.forEach(function (r) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = K.links[r.kind].replace("__CODE__", encodeURIComponent(r.code));
        a.className = "result " + r.kind;
        a.textContent = r.name;
        if (r.kind === "bundle") {
          var tag = document.createElement("small"); tag.textContent = " · " + K.bundleLabel; a.appendChild(tag);
        }
        li.appendChild(a); results.appendChild(li);
      });
    }
    function run() {
      var query = input.value.trim(), mine = ++asked;
      if (!query) { render({ results: [] }, ""); return; }
      OneWindowApi("GET", "/api/v1/kiosk/search?q=" + encodeURIComponent(query)).then(function (data) {
        if (mine === asked) render(data, query);
      }).catch(function (err) { results.textContent = message(err); });
    }
    function soon() { clearTimeout(pending); pending = setTimeout(run, 150); }
    input.addEventListener("input", soon);
    $("search-clear").addEventListener("click", function () { input.value = ""; run(); });
    $("letters").addEventListener("click", function (event) {
      var key = event.target.closest("[data-letter]");
      if (!key) return;
      var letter = key.dataset.letter;
      input.value = letter === "backspace" ? input.value.slice(0, -1) : input.value + letter;
      run();
    });
  }

  /* ---- guide: take a ticket ---- */
  function initGuide() {
    var root = document.querySelector("[data-page=guide]"), priority = $("priority"), take = $("take");
    priority.addEventListener("click", function () {
      priority.setAttribute("aria-pressed", priority.getAttribute("aria-pressed") === "true" ? "false" : "true");
    });
    take.addEventListener("click", function () {
      take.disabled = true; $("take-error").textContent = "";
      var body = { priority: priority.getAttribute("aria-pressed") === "true", kiosk: K.id, lang: K.lang };
      body[root.dataset.kind === "bundle" ? "bundle" : "service"] = root.dataset.code;
      OneWindowApi("POST", "/api/v1/tickets", body).then(function (t) {
        location.href = K.ticketPage.replace("__TOKEN__", encodeURIComponent(t.token));
      }).catch(function (err) { $("take-error").textContent = message(err); take.disabled = false; });
    });
  }

  /* ---- appointment check-in ---- */
  function initAppointment() {
    /* 12 digits, shown 4 4 4; codes of 8 digits booked before still check in */
    var code = "", button = $("check-in"), DIGITS = 12;
    function show() {
      $("code").textContent = code.replace(/(\d{4})(?=\d)/g, "$1 ");
      button.disabled = code.length !== DIGITS && code.length !== 8;
    }
    $("keypad").addEventListener("click", function (event) {
      var key = event.target.closest("[data-key]");
      if (!key) return;
      var k = key.dataset.key;
      if (k === "clear") code = ""; else if (k === "backspace") code = code.slice(0, -1);
      else if (code.length < DIGITS) code += k;
      $("take-error").textContent = ""; show();
    });
    window.addEventListener("keydown", function (event) {
      if (/^[0-9]$/.test(event.key) && code.length < DIGITS) { code += event.key; show(); }
      else if (event.key === "Backspace") { code = code.slice(0, -1); show(); }
      else if (event.key === "Enter" && !button.disabled) button.click();
    });
    button.addEventListener("click", function () {
      button.disabled = true;
      OneWindowApi("POST", "/api/v1/appointments/check-in", { code: code, kiosk: K.id, lang: K.lang }).then(function (t) {
        location.href = K.ticketPage.replace("__TOKEN__", encodeURIComponent(t.token));
      }).catch(function (err) { $("take-error").textContent = message(err); button.disabled = false; });
    });
    show();
  }

  /* ---- the ticket on screen: print result, live place in the queue, reprint ---- */
  function initTicket() {
    var root = document.querySelector("[data-page=ticket]"), token = root.dataset.token, tries = 0, reprint = $("reprint");
    var issued = parseFloat(root.dataset.issued) * 1000;
    function showPrint(p) {
      var state = $("print-state");
      if (!p) { state.textContent = ""; return true; }
      state.className = "print-state " + p.state;
      if (p.state === "pending") { state.textContent = K.text.printing; return false; }
      state.textContent = p.state === "printed" ? K.text.printed : K.text.printFailed;
      reprint.hidden = Date.now() - issued > K.reprintMinutes * 60000 && p.state === "printed";
      return true;
    }
    function poll() {
      OneWindowApi("GET", "/api/v1/status/" + encodeURIComponent(token)).then(function (t) {
        $("ticket-ahead").textContent = t.people_ahead_now;
        var done = showPrint(t.print);
        if (!done && tries++ < 60) setTimeout(poll, 500);
      }).catch(function (err) {
        $("print-state").textContent = message(err);
        if (tries++ < 60) setTimeout(poll, 1000);
      });
    }
    reprint.addEventListener("click", function () {
      reprint.disabled = true;
      $("print-state").textContent = K.text.reprinting;
      OneWindowApi("POST", "/api/v1/kiosk/reprint", { token: token, lang: K.lang }).then(function () {
        tries = 0; setTimeout(poll, 300);
      }).catch(function (err) {
        $("print-state").textContent = message(err); $("print-state").className = "print-state failed";
      }).finally(function () { reprint.disabled = false; });
    });
    poll();
  }

  var init = { home: initSearch, guide: initGuide, appointment: initAppointment, ticket: initTicket }[page()];
  if (init) init();
})();
