/* The citizen's phone: follow one ticket live; when called, big "go to counter N", a chime and a vibration. */
(function () {
  "use strict";
  var S = OneWindowData("status-data"), lastState = null, pending = null, chime = window.OneWindowChime;
  function $(id) { return document.getElementById(id); }
  $("sound-on").addEventListener("click", function () { chime(); $("sound-on").hidden = true; });

  var last = null;
  function render(t) {
    last = t;
    $("service").textContent = t.service_name;
    $("ahead").textContent = t.people_ahead_now;
    var e = t.wait_estimate || {point: t.estimated_wait_minutes};
    $("wait").textContent = e.high === null || e.high === undefined ? S.text.minutes.replace("__N__", e.point)
      : S.text.range.replace("__L__", e.low).replace("__H__", e.high);
    $("state").textContent = S.text.states[t.state] || t.state;
    $("waiting-line").hidden = t.state !== "waiting";
    var called = t.state === "called";
    $("called").hidden = !called;
    document.body.classList.toggle("is-called", called);
    if (called) {
      $("called").textContent = S.text.go.replace("__C__", t.counter);
      if (lastState !== "called" || t.recall_count !== render.recalls) {
        if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]);
        chime();
      }
      render.recalls = t.recall_count;
    }
    lastState = t.state;
  }
  function refresh() { OneWindowApi("GET", "/api/v1/status/" + encodeURIComponent(S.token)).then(render); }
  /* The server pushes what changed (the ticket's state, or its place in the queue): no refetching per hall event. */
  function update(message) {
    if (!last) { refresh(); return; }
    var t = {};
    Object.keys(last).forEach(function (k) { t[k] = last[k]; });
    Object.keys(message.ticket).forEach(function (k) { t[k] = message.ticket[k]; });
    if (t.state !== "waiting") t.people_ahead_now = 0;
    render(t);
  }
  OneWindowLive("/status", {
    auth: { ticket: S.token },
    onSnapshot: function () { clearTimeout(pending); pending = setTimeout(refresh, 50); },
    handlers: { ticket_update: update }
  });
})();
