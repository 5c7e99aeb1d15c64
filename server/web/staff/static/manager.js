// The manager dashboard's live view of today, refreshed on every event.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  if (!$("live")) return; // central mode: no live hall
  let timer = 0;
  async function load() {
    try {
      const v = await api("GET", "/api/v1/reports/live");
      $("live-open").textContent = v.open_counters;
      $("live-longest").textContent = fmtDuration(v.longest_wait_s * 1000);
      const sb = $("live-services");
      sb.replaceChildren();
      for (const s of v.services) {
        sb.append(el("tr", { "data-service": s.code }, el("th", {}, s.code + " — " + s.name), el("td", { class: "waiting" }, s.waiting),
          el("td", {}, s.waiting ? fmtDuration(s.longest_wait_s * 1000) : "–")));
      }
      const cb = $("live-counters");
      cb.replaceChildren();
      for (const c of v.counters) {
        cb.append(el("tr", {}, el("th", {}, c.name), el("td", {}, T("officer.state." + c.state)), el("td", {}, c.officer),
          el("td", {}, c.current ? c.current.label : "")));
      }
    } catch (e) { /* shown by the connection state */ }
  }
  function soon() { clearTimeout(timer); timer = setTimeout(load, 200); }
  new Stream(() => soon(), () => soon(), (up) => {
    $("conn").textContent = up ? T("officer.live") : T("officer.offline");
    $("conn").className = up ? "conn up" : "conn down";
  });
  setInterval(load, 30000); // longest waits grow without events
})();
