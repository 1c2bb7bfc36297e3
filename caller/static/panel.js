/* Counter panel: actions over the /counter socket with acknowledgements; the state always comes from the server. */
(function () {
  "use strict";
  var C = OneWindowData("counter-data"), T = C.text, state = null, held = [], busy = false;
  var checked = {};  /* ticket id -> {material key: true}: the checklist survives re-renders */
  var priorityOk = {};  /* ticket id -> true once the clerk confirmed the priority lane */
  function $(id) { return document.getElementById(id); }
  var KEYS = { F1: "call-next", F2: "recall", F3: "start", F4: "finish", F5: "call", F6: "no-show", F7: "hold",
               F8: "transfer", F9: "pause", F10: "resume" };

  /* Which actions make sense in which state; the server enforces the same rules. */
  function enabled(action) {
    if (!state || busy) return false;
    var t = state.ticket, open = state.counter.state === "open";
    switch (action) {
      case "call-next": case "call": case "call-held": case "pause": return open && !t;
      case "recall": case "start": case "no-show": return !!t && t.state === "called";
      case "finish": return !!t && t.state === "serving";
      case "hold": case "transfer": return !!t && (t.state === "called" || t.state === "serving");
      case "resume": return state.counter.state === "paused";
    }
    return false;
  }

  function text(tag, content, className) {
    var el = document.createElement(tag);
    el.textContent = content;
    if (className) el.className = className;
    return el;
  }

  function renderMaterials(t) {
    var box = $("materials"), mine = checked[t.id] = checked[t.id] || {};
    box.innerHTML = "";
    var index = 0;  /* the flat material index the citizen screen's checklist API uses */
    (t.items_detail || []).forEach(function (item) {
      if ((t.items_detail || []).length > 1) box.appendChild(text("h3", item.code + " " + item.name));
      var ul = document.createElement("ul");
      item.materials.forEach(function (m, i) {
        var key = item.code + ":" + i, li = document.createElement("li"), label = document.createElement("label");
        var box = document.createElement("input"), material = index++;
        box.type = "checkbox"; box.checked = !!mine[key];
        box.addEventListener("change", function () {
          mine[key] = box.checked;
          /* The citizen-facing screen shows the same ticks ("transparent service"). */
          OneWindowApi("POST", "/api/v1/counters/" + C.number + "/checklist", { material: material, checked: box.checked })
            .catch(function (err) { $("action-error").textContent = err.message; });
        });
        label.appendChild(box); label.appendChild(document.createTextNode(" " + m));
        li.appendChild(label); ul.appendChild(li);
      });
      box.appendChild(ul);
    });
    $("materials-box").hidden = !(t.items_detail || []).some(function (i) { return i.materials.length; });
  }

  function renderHeld() {
    var ul = $("held-list");
    ul.innerHTML = "";
    held.forEach(function (h) {
      var li = document.createElement("li"), button = text("button", T.callBack, "secondary call-held");
      li.appendChild(text("strong", h.number));
      if (h.counter) li.appendChild(text("span", " · " + T.heldAt.replace("__N__", h.counter), "muted"));
      button.dataset.number = h.number;
      button.disabled = !enabled("call-held");
      button.addEventListener("click", function () { act("call", { number: h.number }); });
      li.appendChild(document.createTextNode(" "));
      li.appendChild(button);
      ul.appendChild(li);
    });
    $("held-empty").hidden = held.length > 0;
  }

  function render(s) {
    state = s;
    if (s.held) held = s.held;
    if (s.recall_limit) C.recallLimit = s.recall_limit;
    var t = s.ticket, counterState = s.counter.state;
    $("counter-state").textContent = T.counterState[counterState] || counterState;
    $("counter-state").className = "state " + counterState;
    $("pause-reason-shown").textContent = counterState === "paused" ? pauseText(s.counter.pause_reason) : "";
    document.body.classList.toggle("has-ticket", !!t);
    $("current-number").textContent = t ? t.number : "—";
    $("ticket-state").textContent = t ? (T[t.state] || t.state) : "";
    var names = t ? (t.items_detail || []).map(function (i) { return i.name; }) : [];
    $("current-service").textContent = !t ? "" :
      (t.bundle ? T.bundle + " · " + (C.bundles[t.bundle] || t.bundle) + " — " : "") + names.join(" · ");
    var detail = [];
    if (t) {
      detail.push(T.waited.replace("__M__", t.waited_minutes));
      if (t.recall_count) detail.push(T.recalled.replace("__N__", t.recall_count));
    }
    $("current-detail").textContent = detail.join(" · ");
    /* A ticket sent here by another counter: from where, and the note the colleague wrote. */
    var transfer = t && t.transfer;
    $("transfer-info").hidden = !transfer;
    $("transfer-info").textContent = transfer ?
      T.transferred.replace("__N__", transfer.from_counter) + (transfer.note ? "：" + transfer.note : "") : "";
    $("recall-count").textContent = t && t.recall_count ? "(" + t.recall_count + ")" : "";
    var propose = !!t && t.state === "called" && t.recall_count >= C.recallLimit;
    $("recall-proposal").hidden = !propose;
    $("recall-proposal").textContent = propose ? T.propose.replace("__N__", t.recall_count) : "";
    $("no-show").classList.toggle("proposed", propose);
    $("priority-box").hidden = !(t && t.priority);
    $("priority-confirmed").checked = !!(t && priorityOk[t.id]);
    if (t) renderMaterials(t); else { $("materials").innerHTML = ""; $("materials-box").hidden = true; }
    $("waiting").textContent = s.waiting;
    $("longest").textContent = s.longest_wait_minutes;
    $("served").textContent = s.served_today;
    $("mean-service").textContent = s.mean_service_minutes === null ? "–" : s.mean_service_minutes;
    document.querySelectorAll("[data-action]").forEach(function (b) { b.disabled = !enabled(b.dataset.action); });
    renderHeld();
    document.body.dataset.ready = "1";
  }

  var socket = OneWindowLive("/counter", {
    auth: { counter: C.number },
    onSnapshot: render,
    handlers: { counter_state: render },  /* the state carries the held tickets too */
    onError: function (err) {
      /* Refused at sign-in: another clerk holds this counter, or this clerk holds another one. */
      var data = err && err.data;
      if (!data) return;
      var why = data.reason === "holds_other_counter" ? T.errors.holds_other_counter :
        data.error === "counter_busy" ? T.errors.taken :
        data.error === "not_authorised" ? T.errors.assigned_elsewhere : err.message;
      $("action-error").textContent = T.signInRefused + " " + why;
      document.body.dataset.refused = "1";
    }
  });

  function payloadFor(action) {
    var payload = {};
    if (action === "call") {
      payload.number = $("specific-number").value.trim().toUpperCase();
      if (!payload.number) { $("action-error").textContent = T.needNumber; $("specific-number").focus(); return null; }
    }
    if (action === "transfer") {
      var to = $("transfer-to").value.split(":");
      if (to[0] === "counter") payload.to_counter = parseInt(to[1], 10); else payload.to_category = to[1];
      payload.note = $("transfer-note").value.trim();
    }
    if (action === "pause") {
      payload.reason = $("pause-reason").value;
      if (payload.reason === "other") payload.note = $("pause-note").value.trim();
    }
    return payload;
  }

  function act(action, given) {
    if (!enabled(action === "call" && given ? "call-held" : action)) return;
    $("action-error").textContent = "";
    var payload = given || payloadFor(action);
    if (!payload) return;
    payload.action = action;
    busy = true;
    render(state);
    socket.timeout(10000).emit("action", payload, function (err, result) {
      busy = false;
      if (err) { $("action-error").textContent = err.message || String(err); }
      else if (result && result.error) {
        $("action-error").textContent = T.errors[result.error] || result.message;
        $("action-error").title = result.message;
      }
      else if (action === "call-next" && result && !result.ticket) { $("action-error").textContent = T.nobody; }
      else {
        if (action === "call") $("specific-number").value = "";
        if (action === "transfer") $("transfer-note").value = "";
      }
      if (state) render(state);
    });
  }

  function pauseText(reason) {
    if (!reason) return "";
    if (reason.indexOf("other: ") === 0) return T.pauseReasons.other + "：" + reason.slice(7);
    return T.pauseReasons[reason] || reason;
  }
  $("pause-reason").addEventListener("change", function () {
    $("pause-note").hidden = this.value !== "other";
  });

  $("priority-confirmed").addEventListener("change", function () {
    var t = state && state.ticket;
    if (!t || !this.checked) return;
    priorityOk[t.id] = true;
    socket.timeout(10000).emit("confirm_priority", {}, function (err, result) {
      if (err || (result && result.error)) { $("action-error").textContent = err ? String(err) : result.message; }
    });
  });
  document.querySelectorAll("[data-action]").forEach(function (b) {
    b.addEventListener("click", function () { act(b.dataset.action); });
  });
  function requestRating() {
    $("action-error").textContent = "";
    OneWindowApi("POST", "/api/v1/counters/" + C.number + "/request-rating", {})
      .then(function () { $("action-error").textContent = T.ratingAsked; })
      .catch(function (err) { $("action-error").textContent = (err.data && T.errors[err.data.error]) || err.message; });
  }
  $("request-rating").addEventListener("click", requestRating);
  $("specific-number").addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); act("call"); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "F11") { e.preventDefault(); requestRating(); return; }
    if (KEYS[e.key]) { e.preventDefault(); act(KEYS[e.key]); }
  });
  $("choose-counter").addEventListener("change", function () { this.form.submit(); });
})();
