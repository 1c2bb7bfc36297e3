/* Counter screen (above the window) and citizen-facing screen (双屏): live over /screen, redrawn from every state. */
(function () {
  "use strict";
  var S = OneWindowData("screen-data");
  function $(id) { return document.getElementById(id); }
  function fill(text, key, value) { return text.replace(key, value); }
  var offset = 0;

  function renderCounter(s) {
    var serving = $("serving"), text, cls;
    if (s.paused) { text = S.text.paused; cls = "paused"; }
    else if (s.state === "closed") { text = S.text.closed; cls = "paused"; }
    else if (s.number) {
      text = fill(s.ticket_state === "called" ? S.text.calling : S.text.serving, "__X__", s.number); cls = "serving";
    } else { text = S.text.idle; cls = "idle"; }
    serving.textContent = text;
    serving.className = "serving " + cls;
    document.body.dataset.state = cls;
    $("clerk").textContent = s.clerk ? fill(S.text.clerk, "__X__", s.clerk) : "";
  }

  var ratingTimer = null, idleTimer = null;
  function localised(o) { return o[S.lang] || o.zh; }
  function renderCitizen(s) {
    clearInterval(ratingTimer); clearTimeout(idleTimer);
    var c = s.case;
    $("idle").hidden = !!c; $("case").hidden = !c;
    document.body.dataset.stage = c ? c.stage : "idle";
    if (!c) return;
    $("case-number").textContent = c.number;
    /* The wording follows the real state: called → come to the counter; serving → being handled;
     * finished → please rate (and, for reviewed items, the back office goes on); rated → thank you. */
    var order = ["called", "serving", "rating", "thanks"];
    Array.prototype.forEach.call($("stages").children, function (li) {
      var stage = li.dataset.stage;
      li.className = order.indexOf(stage) < order.indexOf(c.stage) ? "done" : (stage === c.stage ? "current" : "");
    });
    $("stage-text").textContent = (S.text["stage_" + c.stage] || "") +
      (c.backoffice && (c.stage === "rating" || c.stage === "thanks") ? " " + S.text.backoffice : "");
    var items = $("items"); items.innerHTML = "";
    c.items.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = localised(item) + " — " +
        (item.kind === "reviewed" ? fill(S.text.days, "__X__", item.time_limit_days) : S.text.instant);
      items.appendChild(li);
    });
    var ul = $("materials"); ul.innerHTML = "";
    var done = 0;
    c.materials.forEach(function (m, i) {
      var li = document.createElement("li");
      li.className = m.checked ? "checked" : "";
      li.dataset.index = i;
      li.textContent = localised(m);
      ul.appendChild(li);
      if (m.checked) done++;
    });
    $("materials-count").textContent = fill(fill(S.text.counted, "__D__", done), "__T__", c.materials.length);
    var box = $("rating"), text = $("rating-text");
    box.hidden = !c.rating; box.className = "rating " + (c.rating ? c.rating.state : "");
    if (!c.rating) return;
    if (c.rating.state === "open") {
      var countdown = function () {
        var left = Math.max(0, Math.round(c.rating.deadline - (Date.now() + offset) / 1000));
        text.textContent = fill(S.text.rate, "__X__", left);
      };
      countdown(); ratingTimer = setInterval(countdown, 1000);
    } else {
      text.textContent = c.rating.state === "done" ? S.text.thanks : S.text.expired;
      idleTimer = setTimeout(function () { renderCitizen({ case: null }); }, 15000);
    }
  }

  var render = S.view === "counter" ? renderCounter : renderCitizen;
  var handlers = {};
  handlers[S.view === "counter" ? "counter_screen" : "citizen_screen"] = function (s) {
    offset = s.server_time * 1000 - Date.now(); render(s);
  };
  OneWindowLive("/screen", {
    auth: { view: S.view, counter: S.counter },
    onSnapshot: function (s) {
      offset = s.server_time * 1000 - Date.now(); render(s);
      document.documentElement.dataset.snapshots = String(Number(document.documentElement.dataset.snapshots || 0) + 1);
    },
    handlers: handlers
  });
})();
