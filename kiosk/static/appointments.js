/* Staff appointments page: book a slot for an item or a bundle and show its code. */
document.getElementById("book").addEventListener("submit", function (event) {
  event.preventDefault();
  var form = event.target, target = form.target.value.split(":"), body = {
    slot_start: form.slot_start.value, slot_minutes: parseInt(form.slot_minutes.value, 10) || 30
  };
  body[target[0]] = target[1];
  OneWindowApi("POST", "/api/v1/appointments", body).then(function (booking) {
    document.getElementById("book-result").textContent = form.dataset.booked + " " + booking.code;
    setTimeout(function () { location.reload(); }, 1500);
  }).catch(function (err) { document.getElementById("book-result").textContent = err.message; });
});
