/* Staff login: POST /api/v1/login, then on to the page the login was asked for (checked by the server). */
document.getElementById("login").addEventListener("submit", function (e) {
  e.preventDefault();
  var wait = document.getElementById("login-wait"), error = document.getElementById("login-error");
  wait.hidden = false; error.textContent = "";
  OneWindowApi("POST", "/api/v1/login", {
    username: document.getElementById("username").value,
    password: document.getElementById("password").value
  }).then(function () {
    window.location.href = document.getElementById("login").dataset.next;
  }).catch(function (err) {
    wait.hidden = true;
    error.textContent = err.message;
  });
});
