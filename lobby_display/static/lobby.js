/* Lobby screen: now calling, recent calls, queues, counters, clock, notices; announcements played in
 * order, never overlapping. Everything is redrawn from each snapshot, so a reconnect puts it right. */
(function () {
  "use strict";
  var L = OneWindowData("lobby-data");
  function $(id) { return document.getElementById(id); }
  function fill(text, key, value) { return text.replace(key, value); }
  function callText(c) { return c.number + " " + fill(L.text.to, "__N__", c.counter); }
  function cell(tr, value, cls) {
    var td = document.createElement("td"); td.textContent = value; if (cls) td.className = cls; tr.appendChild(td);
  }
  function minutes(n) { return fill(L.text.minutes, "__N__", n); }

  function renderQueues(s) {
    var body = $("queues"); body.innerHTML = "";
    s.queues.forEach(function (q) {
      var tr = document.createElement("tr");
      cell(tr, q.letter + " · " + (q.names ? q.names[L.lang] || q.names.zh : q.name), "business");
      cell(tr, q.waiting, "num");
      cell(tr, q.waiting ? minutes(q.longest_wait_minutes) : "—", "num");
      cell(tr, minutes(q.estimated_wait_minutes), "num");
      body.appendChild(tr);
    });
  }
  function renderCounters(s) {
    var ul = $("counters"); ul.innerHTML = "";
    var open = 0, paused = 0;
    s.counters.forEach(function (c) {
      var li = document.createElement("li");
      li.className = "counter-chip " + c.state;
      li.dataset.counter = c.number;
      var label = fill(L.text.counter, "__N__", c.number) + " · " + (L.text[c.state] || c.state);
      li.textContent = label;
      ul.appendChild(li);
      if (c.state === "open") open++; else if (c.state === "paused") paused++;
    });
    $("counters-summary").textContent = fill(fill(L.text.summary, "__O__", open), "__P__", paused);
  }
  var noticesText = null;
  function renderNotices(s) {
    if (s.service_hours) $("service-hours").textContent = s.service_hours[L.lang] || s.service_hours.zh || "";
    if (!s.notices) return;
    var text = (s.notices[L.lang] && s.notices[L.lang].length ? s.notices[L.lang] : s.notices.zh).join("　　◆　　");
    if (text === noticesText) return; /* keep the ticker running smoothly */
    noticesText = text;
    var p = $("notices"); p.textContent = text;
    p.style.animationDuration = Math.max(20, text.length * 0.35) + "s";
  }
  function renderCalls(calls) {
    var ol = $("recent-calls"); ol.innerHTML = "";
    calls.slice(0, L.recent).forEach(function (c) {
      var li = document.createElement("li");
      var num = document.createElement("span"); num.className = "number"; num.textContent = c.number;
      var to = document.createElement("span"); to.className = "to"; to.textContent = fill(L.text.to, "__N__", c.counter);
      li.appendChild(num); li.appendChild(to);
      if (c.recall) {  /* each ticket once, with its latest call: a recall is marked, not listed again */
        var mark = document.createElement("span"); mark.className = "recall"; mark.textContent = L.text.recalled;
        li.appendChild(mark);
      }
      li.dataset.number = c.number;
      ol.appendChild(li);
    });
  }
  function showNow(text) { /* shrink the type only if the call does not fit on one line */
    var el = $("now-calling");
    el.textContent = text; el.style.fontSize = "";
    var size = parseFloat(getComputedStyle(el).fontSize);
    while (el.scrollWidth > el.clientWidth && size > 24) { size *= 0.92; el.style.fontSize = size + "px"; }
  }
  function flash(call) {
    var el = $("now-calling");
    showNow(callText(call));
    el.classList.remove("flash"); void el.offsetWidth; el.classList.add("flash");
    el.dataset.flashes = String(Number(el.dataset.flashes || 0) + 1);
  }
  function renderAll(s) {
    renderCalls(s.recent_calls || []);
    showNow(s.now_calling ? callText(s.now_calling) : "—");
    renderQueues(s); renderCounters(s); renderNotices(s);
  }

  /* Clock in the hall's time zone, corrected by the server's clock. */
  var offset = 0;
  var dateFormat = new Intl.DateTimeFormat(L.lang === "zh" ? "zh-CN" : "en-GB",
    { timeZone: L.timezone, year: "numeric", month: "long", day: "numeric", weekday: "long" });
  var timeFormat = new Intl.DateTimeFormat("en-GB",
    { timeZone: L.timezone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  function tick() {
    var now = new Date(Date.now() + offset);
    $("date").textContent = dateFormat.format(now); $("time").textContent = timeFormat.format(now);
  }
  tick(); setInterval(tick, 1000);

  /* Sound: a queue so announcements never overlap; browsers need one gesture
   * (or a kiosk browser started with --autoplay-policy=no-user-gesture-required). */
  var audioQueue = [], playing = false, soundOn = false;
  function playNext() {
    if (playing || !audioQueue.length || !soundOn) return;
    playing = true;
    var audio = new Audio(audioQueue.shift());
    audio.onended = audio.onerror = function () { playing = false; playNext(); };
    audio.play().catch(function () {
      playing = false; soundOn = false; document.documentElement.classList.add("muted"); $("sound").hidden = false;
    });
  }
  function enableSound() {
    soundOn = true; document.documentElement.classList.remove("muted"); $("sound").hidden = true; playNext();
  }
  $("sound").addEventListener("click", enableSound);
  document.documentElement.classList.add("muted");
  (function probeAutoplay() { /* a tenth of a second of silence: plays only where autoplay is allowed */
    var rate = 8000, frames = 800, buf = new ArrayBuffer(44 + frames * 2), v = new DataView(buf);
    function str(o, s) { for (var i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i)); }
    str(0, "RIFF"); v.setUint32(4, 36 + frames * 2, true); str(8, "WAVEfmt "); v.setUint32(16, 16, true);
    v.setUint16(20, 1, true); v.setUint16(22, 1, true); v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true);
    v.setUint16(32, 2, true); v.setUint16(34, 16, true); str(36, "data"); v.setUint32(40, frames * 2, true);
    var probe = new Audio(URL.createObjectURL(new Blob([buf], { type: "audio/wav" })));
    probe.play().then(enableSound).catch(function () {});
  })();

  var socket = OneWindowLive("/lobby", {
    onSnapshot: function (s) {
      offset = s.server_time * 1000 - Date.now(); tick();
      renderAll(s);
      document.documentElement.dataset.snapshots = String(Number(document.documentElement.dataset.snapshots || 0) + 1);
    },
    handlers: {
      ticket_called: function (c) {
        flash(c);
        if (c.audio_url) { audioQueue.push(c.audio_url); playNext(); }
      },
      queues: function (s) {
        renderCalls(s.recent_calls || []); renderQueues(s); renderCounters(s); renderNotices(s);
        /* "Now calling" clears once the ticket has left its counter (finished, no-show, transferred …). */
        var now = s.now_calling ? callText(s.now_calling) : "—";
        if ($("now-calling").textContent !== now) showNow(now);
      }
    }
  });
  /* Notices and service hours change without a hall event: refresh them every five minutes. */
  setInterval(function () { if (socket.connected) socket.emit("snapshot_request"); }, 5 * 60 * 1000);
})();
