// The manager's forecast page: the day is typed as the hall writes it and
// sent as the API reads it; while the forecast and plan are being made,
// the page waits for them and then shows itself again.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const form = $("forecast-form");
  form.addEventListener("submit", (ev) => {
    const day = HallFmt.isoDay($("date").value);
    $("date-error").hidden = !!day;
    if (!day) {
      ev.preventDefault();
      $("date").focus();
      return;
    }
    $("date-iso").value = day;
  });

  const pending = $("pending");
  if (!pending) return;
  (async function wait() {
    try {
      await api("GET", pending.dataset.api);
      location.reload();
    } catch (e) {
      if (e.code === "network") { setTimeout(wait, 5000); return; }
      // The page says what went wrong in the reader's language: show it
      // again, once.
      const u = new URL(location.href);
      if (!u.searchParams.has("retried")) {
        u.searchParams.set("retried", "1");
        location.replace(u);
        return;
      }
      $("pending-error").textContent = e.message;
      $("pending-error").hidden = false;
    }
  })();
})();
