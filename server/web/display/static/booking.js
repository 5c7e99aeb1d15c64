// The citizen's page of one booking, /book/{code}?k=SECRET (the link given
// when booking): the code with its QR code, the procedure and time, and
// the state. Before check-in it offers to cancel; once the booking is
// checked in at the kiosk it becomes the ticket's page (/t/…), which
// follows the number to the counter.
"use strict";

const POLL_MS = 10000;
const $ = (id) => document.getElementById(id);
let timer = null;

function fmt(s, ...args) {
  let i = 0;
  return s.replace(/%[ds]/g, () => String(args[i++]));
}

let first = true;

function show(b) {
  HallFmt.learn(b.start);
  $("b-code").textContent = b.code;
  $("b-qr").src = CONFIG.qr;
  $("b-qr").alt = b.code;
  $("b-service").textContent = serviceName(b.service);
  $("b-when").textContent = HallFmt.time(b.start) + "–" + HallFmt.time(b.end) + " " + HallFmt.date(b.start);
  const st = $("b-state");
  st.textContent = T["bk_st_" + b.status] || b.status;
  st.className = "t-state " + (b.status === "booked" ? "waiting" : b.status === "checked_in" ? "done" : "bad");
  const booked = b.status === "booked";
  $("b-qr").hidden = !booked;
  $("b-cancel").hidden = !booked;
  $("b-how").hidden = !booked;
  if (booked) {
    const s = (CONFIG.services || []).find((x) => x.code === b.service) || {};
    const start = new Date(b.start).getTime();
    const from = new Date(start - (s.checkin_before_min ?? 15) * 60000);
    const to = new Date(start + (s.checkin_after_min ?? 10) * 60000);
    $("b-how").textContent = fmt(T.bk_how, HallFmt.time(from), HallFmt.time(to));
  }
  document.title = b.code + " — " + st.textContent;
  // Checked in: the ticket's own page takes over.
  if (b.status === "checked_in" && b.ticket && b.ticket.status_url) {
    location.replace(b.ticket.status_url);
  }
  if (b.status === "cancelled" || b.status === "no_show") stop();
  // The cancel link asks at once.
  if (first && booked && CONFIG.ask_cancel) cancel();
  first = false;
}

function badLink() {
  stop();
  for (const id of ["b-code", "b-facts", "b-qr", "b-cancel", "b-how", "b-updated-line"]) $(id).hidden = true;
  const st = $("b-state");
  st.textContent = T.bk_not_found;
  st.className = "t-state bad";
}

function stop() {
  clearInterval(timer);
  timer = null;
}

async function poll() {
  try {
    const r = await fetch(CONFIG.booking, { cache: "no-store" });
    if (r.status === 404 || r.status === 403 || r.status === 401 || r.status === 400) {
      badLink();
      return;
    }
    if (!r.ok) throw new Error(String(r.status));
    show(await r.json());
    const served = r.headers.get("Date");
    $("b-updated").textContent = HallFmt.timeS(served ? new Date(served) : new Date());
    setOffline(false);
  } catch (e) {
    setOffline(true);
  }
}

let asked = false;

// cancel asks first (the button then reads "Có, huỷ lịch hẹn"), then
// cancels with the booking's secret.
async function cancel() {
  if (!asked) {
    asked = true;
    $("b-error").textContent = T.bk_cancel_ask;
    $("b-error").hidden = false;
    $("b-cancel").textContent = T.bk_cancel_yes;
    return;
  }
  $("b-error").hidden = true;
  try {
    const r = await fetch(CONFIG.cancel, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ secret: CONFIG.secret }),
    });
    const body = await r.json().catch(() => null);
    if (!r.ok) {
      $("b-error").textContent = body && body.error ? body.error.message : String(r.status);
      $("b-error").hidden = false;
      return;
    }
    show(body);
    $("b-error").textContent = T.bk_cancelled;
    $("b-error").hidden = false;
  } catch (e) {
    $("b-error").textContent = T.bk_offline;
    $("b-error").hidden = false;
  }
}

$("b-cancel").addEventListener("click", cancel);
poll();
timer = setInterval(poll, POLL_MS);
document.addEventListener("visibilitychange", () => { if (!document.hidden && timer) poll(); });
