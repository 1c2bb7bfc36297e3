/* Back-office cases: review, approve (back office) and deliver (clerks), with a note; a newer list wins. */
(function () {
  "use strict";
  var PAGE = OneWindowData("cases-data"), text = PAGE.text, lang = PAGE.lang, roles = PAGE.roles;
  /* Back office reviews and approves; a clerk delivers (the server checks the same). */
  var mayTake = { review: roles.indexOf("backoffice") >= 0, approve: roles.indexOf("backoffice") >= 0,
                  deliver: roles.indexOf("clerk") >= 0 };
  var next = { accepted: "review", reviewed: "approve", approved: "deliver" };
  function $(id) { return document.getElementById(id); }
  function cell(tr, value) { var td = document.createElement("td"); td.textContent = value || ""; tr.appendChild(td); return td; }
  var latest = 0;
  function load() {
    var mine = ++latest;  /* a slower, older answer must not overwrite a newer one */
    $("cases-wait").hidden = false;
    OneWindowApi("GET", "/api/v1/cases?state=" + $("case-state").value).then(function (data) {
      if (mine !== latest) return;
      var body = document.querySelector("#cases tbody"); body.innerHTML = "";
      data.cases.forEach(function (c) {
        var tr = document.createElement("tr"); tr.dataset.case = c.id;
        cell(tr, c.number); cell(tr, lang === "en" ? c.name_en : c.name_zh); cell(tr, text.states[c.state]);
        cell(tr, c.accepted_by); cell(tr, c.reviewed_by); cell(tr, c.due_day);
        var note = document.createElement("input"); note.maxLength = 500; cell(tr, "").appendChild(note);
        var actions = cell(tr, ""), step = next[c.state];
        if (step && mayTake[step]) {
          var go = document.createElement("button"); go.className = "small"; go.textContent = text[step];
          go.dataset.step = step;
          go.addEventListener("click", function () { take(c.id, step, true, note.value); });
          actions.appendChild(go);
          if (step !== "deliver") {
            var no = document.createElement("button"); no.className = "small secondary"; no.textContent = text.reject;
            no.addEventListener("click", function () { take(c.id, step, false, note.value); });
            actions.appendChild(no);
          }
        }
        body.appendChild(tr);
      });
    }).catch(function (err) { $("cases-message").textContent = err.message; })
      .finally(function () { if (mine === latest) $("cases-wait").hidden = true; });
  }
  function take(id, step, passed, note) {
    $("cases-message").textContent = "";
    var payload = step === "deliver" ? {} : { passed: passed, note: note };
    OneWindowApi("POST", "/api/v1/cases/" + id + "/" + step, payload)
      .then(function () { $("cases-message").textContent = text.done; load(); })
      .catch(function (err) { $("cases-message").textContent = err.message; });
  }
  $("case-state").addEventListener("change", load);
  load();
})();
