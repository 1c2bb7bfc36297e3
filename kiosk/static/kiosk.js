/* Kiosk pages: idle return home, back, search with on-screen letters, take a ticket, check in, the ticket screen;
 * live over /kiosk: the printer's state, the ticket's print result, an ID card swiped on this kiosk's reader. */
(function () {
  "use strict";
  /* The kiosk's settings and texts, plus what one page adds (search links, reprint window). */
  var K = Object.assign(OneWindowData("kiosk-data"), OneWindowData("kiosk-page-data") || {});
  function $(id) { return document.getElementById(id); }
  function page() { var el = document.querySelector("[data-page]"); return el ? el.dataset.page : ""; }

  /* A plain-language message for any failure: the API's error code decides, never a raw English string. */
  function message(err) {
    var data = (err && err.data) || {}, details = data.details || {};
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
      case "id_card_required": return K.text.idCardRequired;
      case "swipe_expired": return K.text.swipeExpired;
      case "already_has_ticket": return K.text.alreadyHasTicket.replace("__T__", details.number || "");
      case "invalid_input": return page() === "appointment" ? K.text.badCode : K.text.failed;
      default: return K.text.failed;
    }
  }

  /* ---- the kiosk's device token (opened once as …?device_token=…): this page then hears the ID cards ---- */
  var DEVICE_KEY = "onewindow-kiosk-device-" + K.id, SWIPE_KEY = "onewindow-kiosk-swipe-" + K.id;
  (function keepDeviceToken() {
    var params = new URLSearchParams(location.search), token = params.get("device_token");
    if (!token) return;
    try { localStorage.setItem(DEVICE_KEY, token); } catch (e) { /* private mode: this page only */ }
    params.delete("device_token");
    history.replaceState(null, "", location.pathname + (params.toString() ? "?" + params.toString() : ""));
    window.kioskDeviceToken = token;
  })();
  function deviceToken() {
    try { return localStorage.getItem(DEVICE_KEY) || window.kioskDeviceToken || null; } catch (e) { return window.kioskDeviceToken || null; }
  }

  /* ---- a swiped ID card: kept for this kiosk's pages until it expires or a ticket is taken ---- */
  function currentSwipe() {
    try {
      var swipe = JSON.parse(sessionStorage.getItem(SWIPE_KEY) || "null");
      return swipe && swipe.until > Date.now() ? swipe : null;
    } catch (e) { return null; }
  }
  function forgetSwipe() { try { sessionStorage.removeItem(SWIPE_KEY); } catch (e) { /* nothing kept */ } showSwipe(); }
  var swipeTimer = null;
  function showSwipe(note) {
    var banner = $("card-banner"), swipe = note ? null : currentSwipe();
    clearTimeout(swipeTimer);
    if (note) { banner.textContent = note; banner.className = "card-banner bad"; banner.hidden = false; return; }
    if (!swipe) { banner.hidden = true; return; }
    var left = Math.max(0, Math.round((swipe.until - Date.now()) / 1000));
    banner.textContent = K.text.cardHello.replace("__N__", swipe.name).replace("__S__", left);
    banner.className = "card-banner"; banner.hidden = false;
    swipeTimer = setTimeout(showSwipe, 1000);
  }
  function swiped(msg) {
    if (!msg.swipe) { showSwipe(msg.refused === "expired" ? K.text.cardExpired : K.text.cardUnreadable); return; }
    try {
      sessionStorage.setItem(SWIPE_KEY, JSON.stringify({ token: msg.swipe, name: msg.name,
                                                          until: Date.now() + msg.expires_in * 1000 }));
    } catch (e) { return; }
    resetIdle();
    showSwipe();
    if (page() === "guide") {
      if ($("card-needed")) $("card-needed").hidden = true;
      $("take-error").textContent = ""; $("print-again").hidden = true;
    }
  }

  /* ---- the printer's state on every page; print results for the ticket screen ---- */
  var printListeners = [];
  function showPrinter(printer) {
    var fault = $("printer-fault"), state = printer ? printer.state : "ok";
    var problem = K.text.printerProblem[state];
    fault.hidden = !problem;
    if (problem) fault.textContent = K.text.printerFault.replace("__P__", problem);
    document.documentElement.classList.toggle("printer-faulty", Boolean(problem));
  }
  if (window.io) {
    OneWindowLive("/kiosk", {
      auth: deviceToken() ? { kiosk: K.id, device_token: deviceToken() } : { kiosk: K.id },
      onSnapshot: function (data) {
        if (data.device_refused) { try { localStorage.removeItem(DEVICE_KEY); } catch (e) { /* gone */ } }
        showPrinter(data.printer);
        if (data.swipe && (!currentSwipe() || currentSwipe().token !== data.swipe.swipe)) swiped(data.swipe);
        document.documentElement.dataset.kioskLive = data.cards ? "cards" : "public";
      },
      handlers: {
        printer: function (msg) { showPrinter(msg.printer); },
        reader: function () { /* shown on the console */ },
        print_update: function (msg) { printListeners.forEach(function (listen) { listen(msg); }); },
        card_swiped: swiped
      }
    });
  }
  showSwipe();

  /* ---- idle: back to the Chinese home page, search cleared, the swipe forgotten ---- */
  var idleTimer = null;
  function atPristineHome() {
    return page() === "home" && K.lang === "zh" && !($("search-input") && $("search-input").value) && window.scrollY === 0
      && !currentSwipe();
  }
  function resetIdle() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () {
      if (!atPristineHome()) { forgetSwipe(); location.href = K.home; } else resetIdle();
    }, K.idleSeconds * 1000);
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

  /* ---- guide: take a ticket (with the ID card swiped, if any); a second ticket for the same item is refused,
   * and its reprint offered instead ---- */
  function initGuide() {
    var root = document.querySelector("[data-page=guide]"), priority = $("priority"), take = $("take");
    var again = $("print-again"), kind = root.dataset.kind === "bundle" ? "bundle" : "service";
    if ($("card-needed") && currentSwipe()) $("card-needed").hidden = true;
    priority.addEventListener("click", function () {
      priority.setAttribute("aria-pressed", priority.getAttribute("aria-pressed") === "true" ? "false" : "true");
    });
    function showTicket(t) {
      forgetSwipe();
      location.href = K.ticketPage.replace("__TOKEN__", encodeURIComponent(t.token));
    }
    take.addEventListener("click", function () {
      take.disabled = true; again.hidden = true; $("take-error").textContent = "";
      var body = { priority: priority.getAttribute("aria-pressed") === "true", kiosk: K.id, lang: K.lang };
      var swipe = currentSwipe();
      body[kind] = root.dataset.code;
      if (swipe) body.swipe = swipe.token;
      OneWindowApi("POST", "/api/v1/tickets", body).then(showTicket).catch(function (err) {
        var code = err && err.data ? err.data.error : "";
        $("take-error").textContent = message(err); take.disabled = false;
        if (code === "already_has_ticket") again.hidden = false;
        if (code === "swipe_expired") forgetSwipe();
      });
    });
    again.addEventListener("click", function () {
      var swipe = currentSwipe(), body = { kiosk: K.id, lang: K.lang };
      if (!swipe) { $("take-error").textContent = K.text.swipeExpired; again.hidden = true; return; }
      again.disabled = true;
      body.swipe = swipe.token; body[kind] = root.dataset.code;
      OneWindowApi("POST", "/api/v1/kiosk/reprint", body).then(showTicket).catch(function (err) {
        $("take-error").textContent = message(err);
      }).finally(function () { again.disabled = false; });
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
    var issued = parseFloat(root.dataset.issued) * 1000, ticketId = parseInt(root.dataset.ticket, 10), slow = null;
    function showPrint(p) {
      var state = $("print-state");
      clearTimeout(slow);
      if (!p) { state.textContent = ""; return true; }
      state.className = "print-state " + p.state;
      if (p.state === "pending") {
        state.textContent = K.text.printing;
        /* Not printed after the hall's give-up time: say so and offer the reprint (the job is given up then). */
        slow = setTimeout(function () { state.textContent = K.text.printTakingLong; reprint.hidden = false; },
                          Math.max(1000, K.giveUpSeconds * 1000 - (Date.now() - issued)));
        return false;
      }
      state.textContent = p.state === "printed" ? K.text.printed : K.text.printFailed;
      reprint.hidden = Date.now() - issued > K.reprintMinutes * 60000 && p.state === "printed";
      return true;
    }
    printListeners.push(function (msg) {
      if (msg.ticket !== ticketId) return;
      var state = { printed: "printed", print_failed: "failed", print_queued: "pending" }[msg.result];
      if (state) showPrint({ state: state, error: msg.error });
    });
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
