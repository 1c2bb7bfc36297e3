/* OneWindow live channel client: a full snapshot on every connect, sequence checks
 * on every message, and a fresh snapshot whenever a message was missed. */
(function () {
  "use strict";
  window.OneWindowLive = function (namespace, opts) {
    var socket = io(namespace, {
      transports: ["websocket"],
      auth: opts.auth || {},
      reconnectionDelay: 300,
      reconnectionDelayMax: 1500
    });
    var seq = null;
    var epoch = null;
    function status(connected) {
      document.documentElement.classList.toggle("offline", !connected);
      if (opts.onStatus) opts.onStatus(connected);
    }
    socket.on("connect", function () { status(true); });
    socket.on("disconnect", function () { seq = null; status(false); });
    socket.on("connect_error", function (err) {
      status(false);
      if (opts.onError) opts.onError(err);
    });
    socket.on("snapshot", function (data) {
      seq = data.seq;
      epoch = data.epoch;
      opts.onSnapshot(data);
    });
    Object.keys(opts.handlers || {}).forEach(function (name) {
      socket.on(name, function (msg) {
        if (seq === null) return; /* a snapshot is on its way */
        if (msg.epoch === epoch && msg.seq <= seq) return; /* already seen */
        if (msg.epoch !== epoch || msg.seq !== seq + 1) {
          seq = null;
          socket.emit("snapshot_request");
          return;
        }
        seq = msg.seq;
        opts.handlers[name](msg);
      });
    });
    return socket;
  };

  /* Two soft tones for a call or a notice on a phone (after a first tap: browsers start audio on a gesture). */
  var audio = null;
  window.OneWindowChime = function () {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [660, 880].forEach(function (freq, i) {
        var osc = audio.createOscillator(), gain = audio.createGain(), at = audio.currentTime + i * 0.35;
        osc.frequency.value = freq; osc.connect(gain); gain.connect(audio.destination);
        gain.gain.setValueAtTime(0.4, at); gain.gain.exponentialRampToValueAtTime(0.001, at + 0.3);
        osc.start(at); osc.stop(at + 0.32);
      });
    } catch (e) { /* no audio on this phone: the screen and vibration still tell */ }
  };

  /* Server data for a page: a <script type="application/json" id=…> block (no inline script, so the CSP holds). */
  window.OneWindowData = function (id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };

  window.OneWindowApi = function (method, url, body, token) {
    var headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers["Authorization"] = "Bearer " + token;
    return fetch(url, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.message || response.statusText);
          error.status = response.status;
          error.data = data;
          throw error;
        }
        return data;
      });
    });
  };
})();
