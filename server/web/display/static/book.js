// The citizen's booking page, /book: procedure → day → free time → name
// and phone → the booking's code, large, with its QR code (which the
// kiosk's scanner reads) and the links to follow or cancel it. One step
// shows at a time, for a phone; every request goes to this server's API,
// so the page works on the hall's guest Wi-Fi and behind a proxy alike.
"use strict";

const $ = (id) => document.getElementById(id);
const STEPS = ["service", "day", "slot", "you", "done"];
const WEEKDAYS = {
  vi: ["Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"],
  en: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
};
const pick = { service: null, day: "", slot: null };
let step = "service";

function fmt(s, ...args) {
  let i = 0;
  return s.replace(/%[ds]/g, () => String(args[i++]));
}

function go(to) {
  step = to;
  for (const s of STEPS) $("b-step-" + s).hidden = s !== to;
  $("b-lead").hidden = to !== "service";
  // What was chosen so far, above the step.
  const parts = [];
  if (to !== "service" && to !== "done" && pick.service) parts.push(svcName(pick.service));
  if ((to === "slot" || to === "you") && pick.day) parts.push(dayName(pick.day));
  if (to === "you" && pick.slot) parts.push(HallFmt.time(pick.slot.start) + "–" + HallFmt.time(pick.slot.end));
  $("b-picked").textContent = parts.join(" · ");
  $("b-picked").hidden = parts.length === 0;
  window.scrollTo(0, 0);
}

function back() {
  const i = STEPS.indexOf(step);
  if (i > 0) go(STEPS[i - 1]);
}

function svcName(s) { return CONFIG.lang === "en" && s.name_en ? s.name_en : s.name; }

// addDays adds n days to an ISO day (calendar arithmetic, no time zone).
function addDays(iso, n) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

function dayName(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  const wd = WEEKDAYS[CONFIG.lang === "en" ? "en" : "vi"][new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
  const today = iso === CONFIG.today ? T.bk_today + ", " : "";
  return today + wd + " " + HallFmt.dayText(iso).slice(0, 5);
}

function choice(text, sub, onClick, disabled) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "b-choice";
  const main = document.createElement("span");
  main.className = "b-main";
  main.textContent = text;
  b.append(main);
  if (sub) {
    const s = document.createElement("span");
    s.className = "b-sub";
    s.textContent = sub;
    b.append(s);
  }
  b.disabled = !!disabled;
  b.addEventListener("click", onClick);
  return b;
}

function showServices() {
  const list = (CONFIG.services || []).filter((s) => s.bookable);
  $("b-none").hidden = list.length > 0;
  $("b-services").replaceChildren(...list.map((s) => {
    const b = choice(svcName(s), "", () => { pick.service = s; showDays(); });
    b.dataset.service = s.code;
    return b;
  }));
}

function showDays() {
  const s = pick.service;
  const days = [];
  for (let i = 0; i <= (s.days_ahead ?? 14); i++) days.push(addDays(CONFIG.today, i));
  $("b-days").replaceChildren(...days.map((d) => {
    const b = choice(dayName(d), "", () => { pick.day = d; showSlots(); });
    b.dataset.day = d;
    return b;
  }));
  go("day");
}

async function showSlots() {
  go("slot");
  const note = $("b-slot-note");
  note.hidden = true;
  $("b-slots").replaceChildren();
  let ans = null;
  try {
    const r = await fetch("api/v1/bookings/slots?service=" + encodeURIComponent(pick.service.code) + "&date=" + pick.day, { cache: "no-store" });
    if (r.ok) ans = await r.json();
    else ans = { error: await r.json().catch(() => null) };
  } catch (e) { /* below */ }
  if (!ans || ans.error) {
    note.textContent = ans && ans.error && ans.error.error ? ans.error.error.message : T.bk_offline;
    note.hidden = false;
    return;
  }
  const slots = ans.slots || [];
  for (const sl of slots) HallFmt.learn(sl.start);
  if (ans.closed || !slots.some((sl) => sl.free > 0)) {
    note.textContent = T["bk_closed_" + ans.closed] || T.bk_no_slots;
    note.hidden = false;
  }
  $("b-slots").replaceChildren(...slots.map((sl) => {
    const b = choice(HallFmt.time(sl.start), sl.free > 0 ? fmt(T.bk_free, sl.free) : T.bk_full,
      () => { pick.slot = sl; showForm(); }, sl.free <= 0);
    b.dataset.start = sl.start;
    return b;
  }));
}

function showForm() {
  $("b-error").hidden = true;
  for (const id of ["b-name", "b-phone"]) $(id).removeAttribute("aria-invalid");
  go("you");
  $("b-name").focus();
}

function fail(msg, field) {
  const e = $("b-error");
  e.textContent = msg;
  e.hidden = false;
  if (field === "name" || field === "phone") {
    $("b-" + field).setAttribute("aria-invalid", "true");
    $("b-" + field).focus({ preventScroll: true });
  }
  // The message and the button under it, on a small phone too.
  $("b-submit").scrollIntoView({ block: "end" });
}

async function submit(ev) {
  ev.preventDefault();
  const btn = $("b-submit");
  if (btn.disabled) return;
  $("b-error").hidden = true;
  for (const id of ["b-name", "b-phone"]) $(id).removeAttribute("aria-invalid");
  btn.disabled = true;
  btn.textContent = T.bk_sending;
  let r = null, body = null;
  try {
    r = await fetch("api/v1/bookings", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ service: pick.service.code, start: pick.slot.start, name: $("b-name").value.trim(), phone: $("b-phone").value.trim() }),
    });
    body = await r.json().catch(() => null);
  } catch (e) { /* below */ }
  btn.disabled = false;
  btn.textContent = T.bk_submit;
  if (r && r.status === 201 && body) {
    done(body);
    return;
  }
  const err = body && body.error;
  if (!r) {
    fail(T.bk_offline);
  } else if (err && err.reason === "slot_full") {
    // Someone took the last place meanwhile: the times again, fresh.
    await showSlots();
    $("b-slot-note").textContent = T.bk_slot_full;
    $("b-slot-note").hidden = false;
  } else {
    fail(T.bk_error + ": " + (err ? err.message : r.status), err && err.field);
  }
}

// done shows the booking made: its code large, its QR code, the time and
// the check-in window, and its links.
function done(b) {
  HallFmt.learn(b.start);
  $("b-code").textContent = b.code;
  $("b-qr").src = "book/qr/" + encodeURIComponent(b.code);
  $("b-qr").alt = b.code;
  $("b-done-service").textContent = svcName(pick.service);
  $("b-done-when").textContent = HallFmt.time(b.start) + "–" + HallFmt.time(b.end) + ", " + dayName(b.start.slice(0, 10));
  const s = pick.service;
  const from = new Date(new Date(b.start).getTime() - (s.checkin_before_min ?? 15) * 60000);
  const to = new Date(new Date(b.start).getTime() + (s.checkin_after_min ?? 10) * 60000);
  $("b-how").textContent = fmt(T.bk_how, HallFmt.time(from), HallFmt.time(to));
  $("b-status").href = b.status_url || "#";
  $("b-cancel-link").href = b.cancel_url || b.status_url || "#";
  go("done");
}

for (const b of document.querySelectorAll(".b-back")) b.addEventListener("click", back);
$("b-form").addEventListener("submit", submit);
$("b-again").addEventListener("click", () => {
  pick.service = null;
  pick.slot = null;
  $("b-form").reset();
  go("service");
});
$("b-privacy").textContent = fmt(T.bk_privacy, CONFIG.retention_days || 30);
HallFmt.sync(CONFIG.now, CONFIG.zone);
showServices();
go("service");
