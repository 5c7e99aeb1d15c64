// The staff's list of bookings (GET /api/v1/bookings): a day's bookings
// by slot, filtered by service, status and a search; staff cancel one a
// citizen asks them to. Phones come masked but for admins.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const fill = (s, v) => s.replace("%s", v);


  function row(b) {
    const cancel = b.status === "booked" ? el("button", { class: "bk-cancel danger", onclick: async () => {
      if (!(await askConfirm(fill(T("bookings.confirm_cancel"), b.code)))) return;
      try { await api("POST", "/api/v1/bookings/" + encodeURIComponent(b.code) + "/cancel"); await load(); } catch (e) { flash(errorText(e), true); }
    } }, T("bookings.cancel")) : null;
    const status = T("bookings.st." + b.status) + (b.ticket_id && b.ticket ? " · " + fill(T("bookings.ticket"), b.ticket.label) : "");
    return el("tr", { "data-booking": b.code, class: "bk-" + b.status },
      el("td", {}, HallFmt.time(b.start) + "–" + HallFmt.time(b.end)),
      el("td", { class: "code" }, b.code), el("td", {}, b.service),
      el("td", { class: "bk-name" }, b.erased ? T("bookings.erased") : b.name || ""),
      el("td", { class: "bk-phone" }, b.phone || ""),
      el("td", { class: "bk-status" }, status),
      el("td", {}, b.source === "web" ? T("bookings.src.web") : (b.source + (b.external_id ? " · " + b.external_id : ""))),
      el("td", {}, cancel));
  }

  async function load() {
    const day = HallFmt.isoDay($("bk-day").value);
    $("bk-error").hidden = !!day;
    if (!day) { $("bk-error").textContent = T("bookings.bad_day"); return; }
    const q = new URLSearchParams({ day });
    for (const [k, id] of [["service", "bk-service"], ["status", "bk-status"], ["q", "bk-q"]]) {
      const v = $(id).value.trim();
      if (v) q.set(k, v);
    }
    history.replaceState(null, "", "?" + q.toString());
    try {
      const list = await api("GET", "/api/v1/bookings?" + q.toString());
      const n = { booked: 0, checked_in: 0, no_show: 0, cancelled: 0 };
      for (const b of list.bookings) n[b.status]++;
      $("bk-counts").textContent = T("bookings.counts").replace("%b", n.booked).replace("%c", n.checked_in)
        .replace("%n", n.no_show).replace("%x", n.cancelled);
      $("bk-rows").replaceChildren(...(list.bookings.length ? list.bookings.map(row)
        : [el("tr", {}, el("td", { colspan: 8 }, T("bookings.none")))]));
    } catch (e) {
      $("bk-error").textContent = errorText(e);
      $("bk-error").hidden = false;
    }
  }

  async function start() {
    const hall = await api("GET", "/api/v1/hall");
    HallFmt.sync(hall.hall.now, hall.hall.time_zone);
    $("bk-service").append(...hall.services.filter((s) => s.booking && s.booking.enabled)
      .map((s) => el("option", { value: s.code }, s.code + " — " + s.name)));
    const q = new URLSearchParams(location.search);
    $("bk-day").value = HallFmt.dayText(q.get("day") || hall.hall.day);
    $("bk-service").value = q.get("service") || "";
    $("bk-status").value = q.get("status") || "";
    $("bk-q").value = q.get("q") || "";
    $("bookings-form").addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
    await load();
  }
  start().catch((e) => flash(errorText(e), true));
})();
