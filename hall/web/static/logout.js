/* Sign out: ends the staff session on the server (a clerk also leaves the counter), then the login page.
 * A clerk with a ticket in hand is told to finish, hold or transfer it first. */
(function () {
  "use strict";
  document.querySelectorAll("[data-logout]").forEach(function (button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      OneWindowApi("POST", "/api/v1/logout", {}).then(function () {
        window.location.assign("/login");
      }).catch(function (err) {
        button.disabled = false;
        var where = document.getElementById("action-error") || document.getElementById("toast");
        if (where) where.textContent = err.message; else window.alert(err.message);
      });
    });
  });
})();
