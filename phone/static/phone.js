/* The citizen's phone: verify a number, take a remote ticket, follow it live (notices with sound and vibration,
 * caught up after every reconnect), confirm arrival, ask for more time; book a slot and check in on arrival. */
(function () {
  "use strict";
  var D = OneWindowData("phone-data"), T = D.text, verified = D.verified, chime = window.OneWindowChime;
  function $(id) { return document.getElementById(id); }
  function page() { var el = document.querySelector("[data-page]"); return el ? el.dataset.page : ""; }
  function fill(text, params) {
    return text.replace(/__([a-z_]+)__/g, function (m, key) { return params[key] === undefined ? m : params[key]; });
  }
  function say(err) {
    var box = $("form-error");
    if (box) box.textContent = (err && err.data && err.data.message) || (err && err.status ? T.failed : T.offline);
  }
  function clearError() { var box = $("form-error"); if (box) box.textContent = ""; }
  function clock(seconds) {
    var d = new Date(seconds * 1000);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  /* ---- sound and vibration: the phone may be in a pocket ---- */
  function alertUser() {
    if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]);
    chime();
    document.body.dataset.alerted = String((parseInt(document.body.dataset.alerted || "0", 10)) + 1);
  }
  if ($("sound-on")) $("sound-on").addEventListener("click", function () { chime(); $("sound-on").hidden = true; });

  /* ---- notices: the list, the new ones marked and announced once (remembered across reloads) ---- */
  function noticeText(n) { return fill(T.notices[n.kind] || n.kind, n.params || {}); }
  function renderNotices(list, key) {
    var box = $("notices"); if (!box) return;
    var seen = parseInt(localStorage.getItem(key) || "0", 10), newest = seen, fresh = false;
    box.innerHTML = "";
    list.forEach(function (n) {
      var li = document.createElement("li");
      li.textContent = clock(n.at) + " " + noticeText(n);
      li.dataset.kind = n.kind;
      if (n.id > seen) { li.className = "fresh"; fresh = true; newest = Math.max(newest, n.id); }
      box.appendChild(li);
    });
    if (fresh) { alertUser(); localStorage.setItem(key, String(newest)); }
  }

  /* ---- the one-time code ---- */
  function initVerify() {
    var send = $("send-code"), wait = null;
    if (!send) return;
    send.addEventListener("click", function () {
      clearError(); send.disabled = true;
      OneWindowApi("POST", "/api/v1/phone/codes", { phone: $("phone-number").value }).then(function (sent) {
        $("code-state").textContent = T.codeSent.replace("__P__", sent.masked);
        var left = Math.max(1, Math.round(sent.again_in));
        clearInterval(wait);
        wait = setInterval(function () {
          left -= 1; send.textContent = left > 0 ? T.resendIn.replace("__S__", left) : T.sendCode;
          if (left <= 0) { clearInterval(wait); send.disabled = false; }
        }, 1000);
        $("phone-code").focus();
      }).catch(function (err) { say(err); send.disabled = false; });
    });
    $("check-code").addEventListener("click", function () {
      clearError();
      OneWindowApi("POST", "/api/v1/phone/verify", { phone: $("phone-number").value, code: $("phone-code").value.trim() })
        .then(function (done) {
          verified = true; $("verify").hidden = true;
          $("verified-as").textContent = T.verified.replace("__P__", done.masked); $("verified-as").hidden = false;
        }).catch(say);
    });
  }
  function needVerified() {
    if (verified) return true;
    $("form-error").textContent = T.needVerify; $("phone-number").focus(); return false;
  }
  function notices() {
    var body = { ahead: parseInt($("ahead").value, 10) };
    if ($("sms")) body.sms = $("sms").checked;
    return body;
  }

  /* ---- home: a link to this phone's open ticket ---- */
  function initHome() {
    OneWindowApi("GET", "/api/v1/phone/me").then(function (me) {
      if (me.ticket) { $("go-mine").href = "/phone/t/" + encodeURIComponent(me.ticket); $("go-mine").hidden = false; }
    }).catch(function () { /* the choices still work */ });
  }

  /* ---- take a remote ticket ---- */
  function initTake() {
    initVerify();
    $("take-form").addEventListener("submit", function (event) {
      event.preventDefault(); clearError();
      var chosen = document.querySelector("input[name=service]:checked");
      if (!chosen) { $("form-error").textContent = T.chooseService; return; }
      if (!needVerified()) return;
      var parts = chosen.value.split(":"), body = notices();
      body[parts[0] === "bundle" ? "bundle" : "service"] = parts[1];
      $("take").disabled = true;
      OneWindowApi("POST", "/api/v1/phone/tickets", body).then(function (t) { location.href = t.page; })
        .catch(function (err) { say(err); $("take").disabled = false; });
    });
  }

  /* ---- follow a ticket ---- */
  function initTicket() {
    var root = document.querySelector("[data-page=ticket]"), token = root.dataset.token, t = D.page.ticket;
    var lastState = null, lastRecalls = -1, pending = null, url = "/api/v1/phone/tickets/" + encodeURIComponent(token);
    function render(next) {
      t = next;
      $("state").textContent = T.states[t.state] || t.state;
      $("waiting-line").hidden = t.state !== "waiting";
      $("ahead-now").textContent = t.people_ahead_now; $("wait").textContent = t.estimated_wait_minutes;
      var called = t.state === "called";
      $("called").hidden = !called; document.body.classList.toggle("is-called", called);
      if (called) {
        $("called").textContent = T.go.replace("__C__", t.counter);
        if (lastState !== null && (lastState !== "called" || t.recall_count !== lastRecalls)) alertUser();
      }
      lastState = t.state; lastRecalls = t.recall_count;
      var open = t.state === "waiting" || t.state === "called" || t.state === "held";
      $("arrival").hidden = !(t.remote && !t.arrived && open);
      $("arrived").hidden = !(t.remote && t.arrived);
      $("arrive-by").hidden = !t.arrive_by;
      if (t.arrive_by) $("arrive-by").textContent = T.arriveBy.replace("__T__", clock(t.arrive_by));
      $("more-time-box").hidden = !t.more_time;
      $("cancel").hidden = !(t.state === "waiting" || t.state === "held");
      $("follow-box").hidden = t.state !== "waiting";
      renderNotices(t.notices || [], "ow-notices-" + t.id);
      root.dataset.state = t.state;
    }
    function refresh() { return OneWindowApi("GET", url).then(render).catch(say); }
    function soon() { clearTimeout(pending); pending = setTimeout(refresh, 50); }
    render(t);
    OneWindowLive("/status", {
      auth: { ticket: token }, onSnapshot: soon,
      handlers: {
        ticket_update: function (m) {
          if (m.event === "queue_moved" && t.state === "waiting") {
            t.people_ahead_now = m.ticket.people_ahead_now; t.estimated_wait_minutes = m.ticket.estimated_wait_minutes;
            render(t);
          } else { soon(); }
        },
        notice: soon
      }
    });
    function act(path, body, button) {
      clearError(); if (button) button.disabled = true;
      return OneWindowApi("POST", url + path, body || {}).then(render).catch(say)
        .finally(function () { if (button) button.disabled = false; });
    }
    $("arrive").addEventListener("click", function () { act("/arrived", { code: $("arrival-code").value.trim() }, $("arrive")); });
    $("more-time").addEventListener("click", function () { act("/more-time", {}, $("more-time")); });
    $("cancel").addEventListener("click", function () { if (window.confirm(T.confirmCancel)) act("/cancel", {}, $("cancel")); });
    initVerify();
    $("follow").addEventListener("click", function () {
      clearError();
      var body = notices();
      if (body.sms && !needVerified()) return;
      OneWindowApi("PUT", url + "/follow", body).then(function (next) {
        render(next); $("follow-state").textContent = T.saved;
      }).catch(say);
    });
  }

  /* ---- book a slot ---- */
  function initBook() {
    var service = $("book-service"), chosen = null;
    if (!service) return;
    initVerify();
    function days() {
      var option = service.options[service.selectedIndex], box = $("days"), max = parseInt(option.dataset.days || "0", 10);
      box.innerHTML = ""; $("slots").innerHTML = ""; chosen = null;
      $("days-box").hidden = !service.value; $("slots-box").hidden = true;
      var first = new Date(D.page.today + "T00:00:00");
      for (var n = 0; n <= max && n < 31; n += 1) {
        var day = new Date(first.getTime() + n * 86400000), b = document.createElement("button");
        var iso = day.getFullYear() + "-" + ("0" + (day.getMonth() + 1)).slice(-2) + "-" + ("0" + day.getDate()).slice(-2);
        b.type = "button"; b.className = "secondary"; b.dataset.day = iso;
        b.textContent = iso.slice(5) + " " + T.weekdays[(day.getDay() + 6) % 7];
        b.addEventListener("click", pickDay);
        box.appendChild(b);
      }
    }
    function pickDay(event) {
      var day = event.currentTarget.dataset.day, parts = service.value.split(":");
      document.querySelectorAll("#days button").forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.day === day)); });
      OneWindowApi("GET", "/api/v1/phone/slots?scope=" + parts[0] + "&code=" + encodeURIComponent(parts[1]) + "&date=" + day)
        .then(function (answer) {
          var box = $("slots"); box.innerHTML = ""; chosen = null; $("slots-box").hidden = false;
          var offered = answer.slots.filter(function (s) { return s.bookable || s.left === 0; });
          if (!offered.length) { box.textContent = T.noSlots; return; }
          offered.forEach(function (s) {
            var b = document.createElement("button");
            b.type = "button"; b.className = "secondary"; b.dataset.start = s.start; b.disabled = !s.bookable;
            b.textContent = s.time + " · " + (s.left ? T.left.replace("__N__", s.left) : T.full);
            b.addEventListener("click", function () {
              chosen = s.start;
              box.querySelectorAll("button").forEach(function (x) { x.setAttribute("aria-pressed", String(x === b)); });
            });
            box.appendChild(b);
          });
        }).catch(say);
    }
    service.addEventListener("change", days);
    if (service.value) days();  // chosen before this script ran, or kept by the browser on going back
    $("book-form").addEventListener("submit", function (event) {
      event.preventDefault(); clearError();
      if (!service.value) { $("form-error").textContent = T.chooseService; return; }
      if (chosen === null) { $("form-error").textContent = T.chooseSlot; return; }
      if (!needVerified()) return;
      var parts = service.value.split(":"), body = { scope: parts[0], code: parts[1], slot_start: chosen };
      if ($("sms")) body.sms = $("sms").checked;
      if ($("id-number").value.trim()) body.id_number = $("id-number").value.trim();
      $("book").disabled = true;
      OneWindowApi("POST", "/api/v1/phone/bookings", body).then(function (b) { location.href = b.page; })
        .catch(function (err) { say(err); $("book").disabled = false; });
    });
  }

  /* ---- a booking: reminders live, check in on arrival ---- */
  function initBooking() {
    var root = document.querySelector("[data-page=booking]"), token = root.dataset.token, b = D.page.booking, pending = null;
    var url = "/api/v1/phone/bookings/" + encodeURIComponent(token);
    function render(next) {
      b = next;
      $("booking-state").textContent = b.state === "cancelled" ? T.cancelled : (b.late ? T.lateWalkIn : "");
      $("check-in-box").hidden = b.state !== "booked"; $("cancel").hidden = b.state !== "booked";
      if (b.ticket) { $("ticket-link").href = "/phone/t/" + encodeURIComponent(b.ticket); $("ticket-link").hidden = false; }
      renderNotices(b.notices || [], "ow-booking-" + token);
      root.dataset.state = b.state;
    }
    function refresh() { OneWindowApi("GET", url).then(render).catch(say); }
    render(b);
    OneWindowLive("/phone", { auth: { booking: token },
      onSnapshot: function () { clearTimeout(pending); pending = setTimeout(refresh, 50); }, handlers: { notice: refresh } });
    $("check-in").addEventListener("click", function () {
      clearError();
      OneWindowApi("POST", url + "/check-in", { code: $("arrival-code").value.trim() }).then(function (done) {
        location.href = "/phone/t/" + encodeURIComponent(done.token);
      }).catch(say);
    });
    $("cancel").addEventListener("click", function () {
      if (!window.confirm(T.confirmCancel)) return;
      OneWindowApi("POST", url + "/cancel", {}).then(function () { refresh(); }).catch(say);
    });
  }

  /* ---- the lobby's QR code opened on the phone ---- */
  function initHere() {
    var code = document.querySelector("[data-page=here]").dataset.code;
    OneWindowApi("POST", "/api/v1/phone/here", { code: code }).then(function (done) {
      $("here-state").textContent = "";
      if (done.kind === "none") { $("here-none").hidden = false; return; }
      location.href = done.ticket.page;
    }).catch(function (err) { $("here-state").textContent = ""; say(err); $("here-none").hidden = false; });
  }

  var init = { home: initHome, take: initTake, ticket: initTicket, book: initBook, booking: initBooking,
               here: initHere }[page()];
  if (init) init();
})();
