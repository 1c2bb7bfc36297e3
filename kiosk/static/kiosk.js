/* Kiosk: pick an item or bundle, confirm, take a ticket, show it, go home. */
(function () {
  "use strict";
  var K = window.KIOSK, chosen = null, homeTimer = null;
  function $(id) { return document.getElementById(id); }
  function show(section) {
    ["catalogue", "confirm", "ticket"].forEach(function (s) { $(s).hidden = s !== section; });
  }
  function goHome() { chosen = null; $("priority").checked = false; $("take-error").textContent = ""; show("catalogue"); }
  document.querySelectorAll(".tile").forEach(function (tile) {
    tile.addEventListener("click", function () {
      chosen = tile.dataset.bundle ? { bundle: tile.dataset.bundle } : { service: tile.dataset.service };
      $("confirm-name").textContent = tile.dataset.name;
      show("confirm");
    });
  });
  $("cancel").addEventListener("click", goHome);
  $("done").addEventListener("click", function () { clearTimeout(homeTimer); goHome(); });
  function watchPrint(id) {
    var tries = 0;
    (function poll() {
      OneWindowApi("GET", "/api/v1/tickets/" + id).then(function (t) {
        var p = t.print;
        if (!p || p.state === "pending") {
          $("print-state").textContent = K.text.printing;
          if (tries++ < 20) setTimeout(poll, 500);
        } else if (p.state === "printed") {
          $("print-state").textContent = K.text.printed;
        } else {
          $("print-state").textContent = K.text.printFailed;
          $("print-state").className = "error";
        }
      });
    })();
  }
  $("take").addEventListener("click", function () {
    if (!chosen) return;
    $("take").disabled = true; $("taking").hidden = false; $("take-error").textContent = "";
    var body = Object.assign({ priority: $("priority").checked, kiosk: K.id, lang: K.lang }, chosen);
    OneWindowApi("POST", "/api/v1/tickets", body).then(function (t) {
      $("ticket-number").textContent = t.number;
      $("ticket-service").textContent = t.service_name;
      $("ticket-ahead").textContent = t.people_ahead;
      $("ticket-wait").textContent = t.estimated_wait_minutes;
      $("ticket-link").href = t.status_url; $("ticket-link").textContent = t.status_url;
      $("print-state").className = "muted";
      show("ticket");
      watchPrint(t.id);
      homeTimer = setTimeout(goHome, 30000);
    }).catch(function (err) {
      $("take-error").textContent = err.message;
    }).finally(function () {
      $("take").disabled = false; $("taking").hidden = true;
    });
  });
})();
