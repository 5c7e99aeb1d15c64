// The hall screen: the last calls (newest highlighted), waiting per
// service, the clock and the notice.
//
// One row per ticket: a recall flashes and re-announces the row of the
// ticket recalled, where it is, and adds none — so a number recalled three
// times never pushes other counters' calls off the screen.
"use strict";

const BLINK_MS = 8000;
const KEEP = 10; // rows kept (the most ?n= may show)
// rows: newest call first; each { ticket, label, counter, seq, blinkUntil }.
const hall = { rows: [], services: [], notice: "" };
const announcer = new Announcer(CONFIG.sound);
let blinkTimer = null;
let snapNow = null;

// addCall applies a call or recall event to the rows: a new call of a
// ticket goes on top (taking the ticket's old row away, if any); a recall
// updates the ticket's row in place (or goes on top if it is no longer
// listed). It returns the row.
function addCall(ev, blink) {
  const t = ev.ticket || {};
  const i = hall.rows.findIndex((r) => r.ticket === t.id);
  const until = blink ? Date.now() + BLINK_MS : 0;
  if (ev.type === "ticket.recalled" && i >= 0) {
    Object.assign(hall.rows[i], { counter: ev.counter, seq: ev.seq, blinkUntil: until });
    return hall.rows[i];
  }
  if (i >= 0) hall.rows.splice(i, 1);
  const row = { ticket: t.id, label: t.label || "", counter: ev.counter, seq: ev.seq, blinkUntil: until };
  hall.rows.unshift(row);
  hall.rows.length = Math.min(hall.rows.length, KEEP);
  return row;
}

function renderCalls() {
  const ol = document.getElementById("calls");
  ol.style.setProperty("--rows", CONFIG.rows);
  ol.textContent = "";
  const now = Date.now();
  let nextEnd = Infinity;
  const rows = hall.rows.slice(0, CONFIG.rows);
  rows.forEach((r, i) => {
    const li = document.createElement("li");
    li.dataset.seq = r.seq;
    li.dataset.ticket = r.ticket;
    if (i === 0) li.classList.add("newest");
    if (r.blinkUntil > now) {
      li.classList.add("blink");
      nextEnd = Math.min(nextEnd, r.blinkUntil);
    }
    const num = document.createElement("span");
    num.className = "number";
    num.textContent = r.label;
    const where = document.createElement("span");
    where.className = "where";
    const arrow = document.createElement("span");
    arrow.className = "arrow";
    arrow.setAttribute("aria-hidden", "true");
    arrow.textContent = "→";
    const ctr = document.createElement("span");
    ctr.className = "counter";
    ctr.textContent = r.counter;
    where.append(arrow, ctr);
    li.append(num, where);
    ol.append(li);
  });
  document.getElementById("nocalls").hidden = rows.length > 0;
  clearTimeout(blinkTimer);
  if (nextEnd < Infinity) blinkTimer = setTimeout(renderCalls, nextEnd - now + 20);
}

function renderServices() {
  const ul = document.getElementById("services");
  ul.style.setProperty("--svc", Math.max(hall.services.length, 5));
  ul.textContent = "";
  for (const s of hall.services) {
    const li = document.createElement("li");
    if (!s.open) li.classList.add("closed");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = CONFIG.lang === "en" && s.name_en ? s.name_en : s.name;
    const n = document.createElement("span");
    n.className = "n";
    n.textContent = s.waiting;
    li.append(name, n);
    ul.append(li);
  }
}

// noticeLine is the notice as the TV runs it: its lines joined by a dot.
function noticeLine(text) {
  return String(text || "").split(/\n+/).map((s) => s.trim()).filter(Boolean).join(" • ");
}

function renderNotice() {
  const bar = document.getElementById("notice-bar");
  const span = document.getElementById("notice");
  const line = noticeLine(hall.notice);
  bar.hidden = !line;
  if (span.textContent !== line) {
    span.textContent = line;
    // About 12 characters a second, whatever the length.
    span.parentElement.style.setProperty("--scroll", Math.max(10, line.length / 6) + "s");
  }
}

// fitName shrinks the hall's name until it fits its box (two lines at
// most): a long name is shown whole, never cut.
function fitName() {
  const el = document.getElementById("hallname");
  el.style.fontSize = "";
  let size = parseFloat(getComputedStyle(el).fontSize);
  const least = window.innerHeight * 0.018;
  while (size > least && (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)) {
    size *= 0.94;
    el.style.fontSize = size + "px";
  }
}

function adjustWaiting(code, delta) {
  const s = hall.services.find((x) => x.code === code);
  if (s) s.waiting = Math.max(0, s.waiting + delta);
}

function applySnapshot(snap) {
  const v = snap.hall;
  snapNow = v.hall.now;
  HallFmt.sync(v.hall.now, v.hall.time_zone);
  // The snapshot's calls are newest first; replaying them oldest first
  // gives the rows the page would have built live.
  hall.rows = [];
  for (const ev of (v.recent || []).slice().reverse()) addCall(ev, false);
  hall.services = v.services || [];
  hall.notice = v.hall.notice || "";
  document.getElementById("hallname").textContent = v.hall.name;
  fitName();
  renderCalls();
  renderServices();
  renderNotice();
  tick();
}

function applyEvent(ev, replayed) {
  if (replayed) {
    // Already in the snapshot's state; announce it only if it is fresh.
    if (isCall(ev) && recentEnough(ev, snapNow)) announcer.push(ev);
    return;
  }
  const t = ev.ticket;
  switch (ev.type) {
    case "ticket.called":
    case "ticket.recalled":
      addCall(ev, true);
      if (ev.type === "ticket.called" && t) adjustWaiting(t.service, -1);
      renderCalls();
      renderServices();
      announcer.push(ev);
      return;
    case "ticket.issued":
    case "ticket.requeued":
      if (t) adjustWaiting(t.service, +1);
      break;
    case "ticket.cancelled":
      if (t) adjustWaiting(t.service, -1);
      break;
    case "ticket.transferred":
      if (t && !t.called_at) adjustWaiting(t.service, -1);
      if (ev.new_ticket) adjustWaiting(ev.new_ticket.service, +1);
      break;
    case "hall.notice":
      hall.notice = ev.text || "";
      renderNotice();
      return;
    case "hall.configured":
      // An admin changed a service or counter: take the new names and queues.
      refresh();
      return;
    default:
      return;
  }
  renderServices();
}

// tick shows the hall's time (the server's clock, in the hall's zone),
// whatever the TV's own clock and zone say.
function tick() {
  if (!HallFmt.zone && HallFmt.offset === null) return; // not connected yet
  const now = HallFmt.now();
  document.getElementById("time").textContent = HallFmt.time(now);
  document.getElementById("date").textContent = HallFmt.date(now);
}

// Counts kept from events can drift (a missed rule, a day's end): refresh
// them from the hall's view every minute.
async function refresh() {
  try {
    const r = await fetch("/api/v1/hall", { cache: "no-store" });
    if (!r.ok) return;
    const v = await r.json();
    hall.services = v.services || hall.services;
    renderServices();
  } catch (e) {}
}

renderCalls();
fitName();
document.fonts.ready.then(fitName);
window.addEventListener("resize", fitName);
setInterval(tick, 1000);
setInterval(refresh, 60000);
new HallStream({
  onSnapshot: applySnapshot,
  onEvent: applyEvent,
  onState: (online) => setOffline(!online),
}).start();
