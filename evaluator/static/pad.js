/* On-screen evaluator: waits for a rate_request on its counter, sends one rating with its device token. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var params = new URLSearchParams(window.location.search);
  if (params.get("token")) {
    localStorage.setItem("onewindow-evaluator-token", params.get("token"));
    params.delete("token");
    history.replaceState(null, "", window.location.pathname + (params.toString() ? "?" + params : ""));
  }
  var token = localStorage.getItem("onewindow-evaluator-token");
  if (!token) { $("pad-error").textContent = window.PAD.text.noToken; return; }
  var pending = null, idleTimer = null;
  function show(section) { ["idle", "ask", "thanks"].forEach(function (s) { $(s).hidden = s !== section; }); }
  function ask(p) {
    pending = p;
    if (!p) { show("idle"); return; }
    $("ask-number").textContent = p.number;
    show("ask");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { pending = null; show("idle"); }, Math.max(0, p.deadline * 1000 - Date.now()));
  }
  OneWindowLive("/evaluator", {
    auth: { device_token: token },
    onSnapshot: function (s) { ask(s.pending); },
    onError: function (err) { $("pad-error").textContent = err.message; },
    handlers: {
      rate_request: ask,
      rating_closed: function (m) { if (pending && m.ticket === pending.ticket) { pending = null; show("thanks"); setTimeout(function () { show("idle"); }, 3000); } }
    }
  });
  document.querySelectorAll("[data-score]").forEach(function (b) {
    b.addEventListener("click", function () {
      if (!pending) return;
      var ticket = pending.ticket;
      OneWindowApi("POST", "/api/v1/ratings", { ticket: ticket, score: parseInt(b.dataset.score, 10) }, token)
        .then(function () { pending = null; show("thanks"); setTimeout(function () { show("idle"); }, 3000); })
        .catch(function (err) { $("pad-error").textContent = err.message; });
    });
  });
})();
