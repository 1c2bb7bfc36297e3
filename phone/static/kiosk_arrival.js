/* The kiosk's arrival page for remote tickets: number and the phone's last four digits. */
(function () {
  "use strict";
  var T = OneWindowData("kiosk-page-data").arrivalText;
  function $(id) { return document.getElementById(id); }
  var button = $("confirm-arrival");
  button.addEventListener("click", function () {
    var number = $("arrival-number").value.trim().toUpperCase(), digits = $("arrival-digits").value.trim();
    $("take-error").textContent = ""; $("arrival-result").textContent = "";
    button.disabled = true;
    OneWindowApi("POST", "/api/v1/kiosk/arrivals", { number: number, digits: digits,
      kiosk: OneWindowData("kiosk-data").id }).then(function (t) {
      $("arrival-result").textContent = T.done.replace("__N__", t.number);
    }).catch(function () { $("take-error").textContent = T.refused; })
      .finally(function () { button.disabled = false; });
  });
})();
