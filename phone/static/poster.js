document.getElementById("print-poster").addEventListener("click", function () { window.print(); });
