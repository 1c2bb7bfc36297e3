/* The lobby's arrival screen: a new QR code and code every ten minutes (the page reloads when they change). */
(function () {
  "use strict";
  var board = document.querySelector("[data-page=arrival]");
  setTimeout(function () { location.reload(); }, (parseInt(board.dataset.refresh, 10) || 60) * 1000);
})();
