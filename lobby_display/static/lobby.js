/* Lobby screen: live calls and queues; announcements played in order, never overlapping. */
(function () {
  "use strict";
  var L = window.LOBBY;
  function $(id) { return document.getElementById(id); }
  function callText(c) { return c.number + " " + L.text.to.replace("__N__", c.counter); }
  function renderQueues(s) {
    var body = $("queues"); body.innerHTML = "";
    s.queues.forEach(function (q) {
      var tr = document.createElement("tr");
      [q.letter + " · " + (q.names ? q.names[L.lang] : q.name), q.waiting, q.estimated_wait_minutes].forEach(function (v) {
        var td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }
  function renderCalls(calls) {
    var ol = $("recent-calls"); ol.innerHTML = "";
    calls.forEach(function (c) { var li = document.createElement("li"); li.textContent = callText(c); ol.appendChild(li); });
  }
  var recent = [];
  function flash(call) {
    var el = $("now-calling");
    el.textContent = callText(call);
    el.classList.remove("flash"); void el.offsetWidth; el.classList.add("flash");
  }
  /* Sound: a queue so announcements never overlap; browsers need one gesture (or --autoplay-policy=no-user-gesture-required). */
  var audioQueue = [], playing = false, soundOn = false;
  function playNext() {
    if (playing || !audioQueue.length || !soundOn) return;
    playing = true;
    var audio = new Audio(audioQueue.shift());
    audio.onended = audio.onerror = function () { playing = false; playNext(); };
    audio.play().catch(function () { playing = false; soundOn = false; document.documentElement.classList.add("muted"); });
  }
  function enableSound() {
    soundOn = true; document.documentElement.classList.remove("muted"); $("sound").hidden = true; playNext();
  }
  $("sound").addEventListener("click", enableSound);
  document.documentElement.classList.add("muted");
  /* Kiosk-mode browsers started with --autoplay-policy=no-user-gesture-required need no gesture: probe with silence. */
  (function probeAutoplay() {
    var rate = 8000, frames = 800, buf = new ArrayBuffer(44 + frames * 2), v = new DataView(buf);
    function str(o, s) { for (var i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i)); }
    str(0, "RIFF"); v.setUint32(4, 36 + frames * 2, true); str(8, "WAVEfmt "); v.setUint32(16, 16, true);
    v.setUint16(20, 1, true); v.setUint16(22, 1, true); v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true);
    v.setUint16(32, 2, true); v.setUint16(34, 16, true); str(36, "data"); v.setUint32(40, frames * 2, true);
    var probe = new Audio(URL.createObjectURL(new Blob([buf], { type: "audio/wav" })));
    probe.play().then(enableSound).catch(function () {});
  })();
  OneWindowLive("/lobby", {
    onSnapshot: function (s) {
      recent = s.recent_calls.slice();
      renderCalls(recent);
      if (s.now_calling) $("now-calling").textContent = callText(s.now_calling);
      renderQueues(s);
    },
    handlers: {
      ticket_called: function (c) {
        flash(c);
        recent.unshift(c); recent = recent.slice(0, 8); renderCalls(recent);
        if (c.audio_url) { audioQueue.push(c.audio_url); playNext(); }
      },
      queues: renderQueues
    }
  });
})();
