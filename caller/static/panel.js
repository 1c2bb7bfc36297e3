/* Counter panel: actions over the /counter socket with acknowledgements; the state always comes from the server. */
(function () {
  "use strict";
  var C = window.COUNTER, state = null;
  function $(id) { return document.getElementById(id); }
  var KEYS = { F1: "call-next", F2: "recall", F3: "start", F4: "finish", F5: "call", F6: "no-show", F7: "hold",
               F8: "transfer", F9: "pause", F10: "resume" };
  /* Which actions make sense in which state; the server enforces the same rules. */
  function enabled(action) {
    var t = state && state.ticket, paused = state && state.counter.state !== "open";
    switch (action) {
      case "call-next": case "call": return !!state && !paused && !t;
      case "recall": case "start": case "no-show": return !!t && t.state === "called";
      case "finish": return !!t && t.state === "serving";
      case "hold": case "transfer": return !!t && (t.state === "called" || t.state === "serving");
      case "pause": return !!state && !paused && !t;
      case "resume": return !!state && state.counter.state === "paused";
    }
    return false;
  }
  function render(s) {
    state = s;
    var t = s.ticket;
    $("counter-state").textContent = C.text[s.counter.state] || s.counter.state;
    $("counter-state").className = "state " + s.counter.state;
    $("current-number").textContent = t ? t.number : "—";
    $("current-service").textContent = t ? (t.items_detail || []).map(function (i) { return i.name; }).join(" · ") : "";
    var detail = [];
    if (t) {
      detail.push(C.text.waited.replace("__M__", t.waited_minutes));
      if (t.priority) detail.push(C.text.priority);
      if (t.recall_count >= 2 && t.state === "called") detail.push(C.text.recalls.replace("__N__", t.recall_count));
    }
    $("current-detail").textContent = detail.join(" · ");
    var ul = $("materials"); ul.innerHTML = "";
    if (t) (t.items_detail || []).forEach(function (item) {
      item.materials.forEach(function (m) {
        var li = document.createElement("li"), box = document.createElement("input");
        box.type = "checkbox"; li.appendChild(box); li.appendChild(document.createTextNode(" " + m)); ul.appendChild(li);
      });
    });
    $("waiting").textContent = s.waiting;
    $("longest").textContent = s.longest_wait_minutes;
    $("served").textContent = s.served_today;
    $("mean-service").textContent = s.mean_service_minutes === null ? "–" : s.mean_service_minutes;
    document.querySelectorAll("[data-action]").forEach(function (b) { b.disabled = !enabled(b.dataset.action); });
  }
  var socket = OneWindowLive("/counter", {
    auth: { counter: C.number },
    onSnapshot: render,
    handlers: { counter_state: render }
  });
  function act(action) {
    if (!enabled(action)) return;
    var payload = { action: action };
    if (action === "call") payload.number = $("specific-number").value.trim();
    if (action === "transfer") payload.to_counter = parseInt($("transfer-to").value, 10);
    if (action === "pause") payload.reason = $("pause-reason").value;
    $("action-error").textContent = "";
    document.querySelectorAll("[data-action]").forEach(function (b) { b.disabled = true; });
    socket.timeout(10000).emit("action", payload, function (err, result) {
      if (err) { $("action-error").textContent = err.message || String(err); }
      else if (result && result.error) { $("action-error").textContent = result.message; }
      else if (action === "call-next" && result && !result.ticket) { $("action-error").textContent = C.text.nobody; }
      if (state) render(state);
    });
  }
  document.querySelectorAll("[data-action]").forEach(function (b) {
    b.addEventListener("click", function () { act(b.dataset.action); });
  });
  document.addEventListener("keydown", function (e) {
    if (KEYS[e.key]) { e.preventDefault(); act(KEYS[e.key]); }
  });
})();
