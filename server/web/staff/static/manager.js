// The manager dashboard's live view of today, refreshed on every event.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);

  // Days are typed as the hall writes them (27/11/2026) and sent as the
  // API reads them (2026-11-27), whatever the browser's own format.
  const form = $("report-form");
  if (form) {
    form.addEventListener("submit", (ev) => {
      const from = HallFmt.isoDay($("from").value), to = HallFmt.isoDay($("to").value);
      $("date-error").hidden = !!(from && to);
      if (!from || !to) {
        ev.preventDefault();
        (from ? $("to") : $("from")).focus();
        return;
      }
      $("from-iso").value = from;
      $("to-iso").value = to;
    });
  }

  if (!$("live")) return; // central mode: no live hall
  let timer = 0;
  async function load() {
    try {
      const v = await api("GET", "/api/v1/reports/live");
      $("live-open").textContent = v.open_counters;
      $("live-longest").textContent = fmtDuration(v.longest_wait_s * 1000);
      const sb = $("live-services-body");
      sb.replaceChildren();
      for (const s of v.services) {
        sb.append(el("tr", { "data-service": s.code }, el("th", {}, s.code + " — " + s.name), el("td", { class: "waiting" }, s.waiting),
          el("td", {}, s.waiting ? fmtDuration(s.longest_wait_s * 1000) : "–")));
      }
      const cb = $("live-counters-body");
      cb.replaceChildren();
      for (const c of v.counters) {
        cb.append(el("tr", {}, el("th", {}, c.name), el("td", {}, T("officer.state." + c.state)), el("td", {}, c.officer),
          el("td", {}, c.current ? c.current.label : "")));
      }
    } catch (e) { /* shown by the connection state */ }
  }
  function soon() { clearTimeout(timer); timer = setTimeout(load, 200); }
  new Stream((h) => { HallFmt.sync(h.hall.now, h.hall.time_zone); soon(); }, () => soon(), (up) => {
    $("conn").textContent = up ? T("officer.live") : T("officer.offline");
    $("conn").className = up ? "conn up" : "conn down";
  });
  setInterval(load, 30000); // longest waits grow without events
})();
