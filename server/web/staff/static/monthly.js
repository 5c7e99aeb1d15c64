// The printable monthly report: its print button.
"use strict";
(function () {
  const b = document.getElementById("print");
  if (b) b.addEventListener("click", () => window.print());
})();
