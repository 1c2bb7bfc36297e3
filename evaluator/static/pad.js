/* On-screen evaluator: waits for a rate_request on its counter, sends one rating with its device token.
 * For a rating of 1 or 2 the citizen may pick reasons; nothing more is required (Submit, or the window ends).
 * After a rating of 1 or 2 the citizen may leave a phone number for the manager's call-back (or skip it). */
(function () {
  "use strict";
  var PAD = OneWindowData("pad-data");
  function $(id) { return document.getElementById(id); }
  var params = new URLSearchParams(window.location.search);
  if (params.get("token")) {
    localStorage.setItem("onewindow-evaluator-token", params.get("token"));
    params.delete("token");
    history.replaceState(null, "", window.location.pathname + (params.toString() ? "?" + params : ""));
  }
  var token = localStorage.getItem("onewindow-evaluator-token");
  if (!token) { $("pad-error").textContent = PAD.text.noToken; return; }
  var pending = null, chosen = null, idleTimer = null, tick = null, sending = false;
  var SECTIONS = ["idle", "ask", "reasons", "phone", "thanks"];
  var PHONE_SECONDS = 60, rated = null;
  function show(section) {
    SECTIONS.forEach(function (s) { $(s).hidden = s !== section; });
    document.body.dataset.state = section;
  }
  function secondsLeft() { return pending ? Math.max(0, Math.round(pending.deadline - Date.now() / 1000)) : 0; }
  function countdown() {
    $("ask-left").textContent = PAD.text.secondsLeft.replace("{s}", secondsLeft());
  }
  function toIdle() {
    pending = null; chosen = null; clearTimeout(idleTimer); clearInterval(tick); show("idle");
  }
  function thank(score) {
    pending = null; chosen = null; rated = null; clearTimeout(idleTimer); clearInterval(tick);
    $("thanks-followup").hidden = !(score <= 2);
    show("thanks");
    idleTimer = setTimeout(toIdle, 4000);
  }
  function ask(p) {
    if (!p) { toIdle(); return; }
    if (pending && pending.ticket === p.ticket) return;
    pending = p; chosen = null;
    $("ask-number").textContent = p.number;
    document.querySelectorAll("[data-reason]").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    $("pad-error").textContent = "";
    show("ask");
    countdown();
    clearInterval(tick); tick = setInterval(countdown, 1000);
    clearTimeout(idleTimer);
    /* Reasons are optional: send what was picked just before the window ends. */
    idleTimer = setTimeout(function () { if (chosen) submit(); else toIdle(); },
                           Math.max(0, (p.deadline - 2) * 1000 - Date.now()));
  }
  function submit() {
    if (!pending || !chosen || sending) return;
    var reasons = [];
    if (chosen <= 2) {
      document.querySelectorAll("[data-reason][aria-pressed=true]").forEach(function (b) { reasons.push(b.dataset.reason); });
    }
    sending = true;
    var score = chosen;
    OneWindowApi("POST", "/api/v1/ratings", { ticket: pending.ticket, score: score, reasons: reasons }, token)
      .then(function () { if (score <= 2) askPhone(pending.ticket); else thank(score); })
      .catch(function (err) { $("pad-error").textContent = err.message; toIdle(); })
      .then(function () { sending = false; });
  }
  function askPhone(ticket) {
    rated = ticket; clearTimeout(idleTimer); clearInterval(tick);
    $("phone-number").value = ""; $("pad-error").textContent = "";
    show("phone");
    idleTimer = setTimeout(function () { thank(1); }, PHONE_SECONDS * 1000);
  }
  function sendPhone() {
    var number = $("phone-number").value.trim();
    if (!rated || !number || sending) return;
    sending = true;
    OneWindowApi("POST", "/api/v1/ratings/" + rated + "/phone", { phone: number }, token)
      .then(function () { thank(1); })
      .catch(function (err) { $("pad-error").textContent = err.message; })
      .then(function () { sending = false; });
  }
  document.querySelectorAll("[data-digit]").forEach(function (b) {
    b.addEventListener("click", function () { $("phone-number").value += b.dataset.digit; });
  });
  $("phone-back").addEventListener("click", function () { $("phone-number").value = $("phone-number").value.slice(0, -1); });
  $("phone-skip").addEventListener("click", function () { thank(1); });
  $("phone-send").addEventListener("click", sendPhone);
  OneWindowLive("/evaluator", {
    auth: { device_token: token },
    onSnapshot: function (s) { if (!s.pending) toIdle(); else ask(s.pending); },
    onError: function (err) { $("pad-error").textContent = err.message; },
    handlers: {
      rate_request: ask,
      rating_closed: function (m) {
        if (document.body.dataset.state === "phone") return;  /* the citizen is typing a number for the call-back */
        if (pending && m.ticket === pending.ticket && !sending) { if (m.score) thank(m.score); else toIdle(); }
      }
    }
  });
  document.querySelectorAll("[data-score]").forEach(function (b) {
    b.addEventListener("click", function () {
      if (!pending) return;
      chosen = parseInt(b.dataset.score, 10);
      if (chosen <= 2) { show("reasons"); } else { submit(); }
    });
  });
  document.querySelectorAll("[data-reason]").forEach(function (b) {
    b.addEventListener("click", function () {
      b.setAttribute("aria-pressed", b.getAttribute("aria-pressed") === "true" ? "false" : "true");
    });
  });
  $("reasons-done").addEventListener("click", submit);
  show("idle");
})();
