/* Staff page (administrators): list staff, add or change one, with roles, counter, password and active flag. */
(function () {
  "use strict";
  var T = OneWindowData("staff-data");
  var staff = [];
  function $(id) { return document.getElementById(id); }
  function toast(text, bad) { var t = $("toast"); t.textContent = text; t.className = "toast " + (bad ? "error" : "ok-text"); }
  function load() {
    return OneWindowApi("GET", "/api/v1/admin/staff").then(function (r) {
      staff = r.staff; var body = document.querySelector("#staff tbody"); body.innerHTML = "";
      staff.forEach(function (s) {
        var tr = document.createElement("tr"); tr.dataset.username = s.username;
        [s.username, s.display_name, s.roles.map(function (r) { return T.roles[r] || r; }).join("、"), s.counter || "", s.active ? T.yes : T.no].forEach(function (v) {
          var td = document.createElement("td"); td.textContent = v; tr.appendChild(td); });
        tr.firstChild.setAttribute("translate", "no");  // a username is not a word to translate
        var td = document.createElement("td"), b = document.createElement("button");
        b.type = "button"; b.className = "small secondary"; b.textContent = T.edit;
        b.addEventListener("click", function () { fill(s); }); td.appendChild(b); tr.appendChild(td); body.appendChild(tr);
      });
    });
  }
  function fill(s) {
    $("st-username").value = s.username; $("st-display_name").value = s.display_name; $("st-counter").value = s.counter || "";
    Array.prototype.forEach.call($("st-roles").options, function (o) { o.selected = s.roles.indexOf(o.value) >= 0; });
    $("st-active").checked = s.active; $("st-password").value = "";
  }
  $("staff-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var username = $("st-username").value, exists = staff.some(function (s) { return s.username === username; });
    var body = {display_name: $("st-display_name").value || username, counter: $("st-counter").value ? Number($("st-counter").value) : null,
      roles: Array.prototype.filter.call($("st-roles").options, function (o) { return o.selected; }).map(function (o) { return o.value; }),
      active: $("st-active").checked};
    if ($("st-password").value) body.password = $("st-password").value;
    var request = exists ? OneWindowApi("PUT", "/api/v1/admin/staff/" + encodeURIComponent(username), body)
                         : OneWindowApi("POST", "/api/v1/admin/staff", Object.assign({username: username}, body));
    request.then(function () { toast(T.saved); $("st-password").value = ""; load(); }).catch(function (err) { toast(err.message, true); });
  });
  load();
})();
