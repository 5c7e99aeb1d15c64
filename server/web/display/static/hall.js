// The hall screen: the last calls (newest highlighted and blinking for a
// few seconds), waiting per service, the clock and the notice.
"use strict";

const BLINK_MS = 8000;
const hall = { recent: [], services: [], notice: "" };
const announcer = new Announcer(CONFIG.sound);
let blinkTimer = null;
let snapNow = null;

function renderCalls(blinkNewest) {
  const ol = document.getElementById("calls");
  ol.textContent = "";
  const rows = hall.recent.slice(0, CONFIG.rows);
  rows.forEach((ev, i) => {
    const li = document.createElement("li");
    li.dataset.seq = ev.seq;
    if (i === 0) li.classList.add("newest");
    if (i === 0 && blinkNewest) li.classList.add("blink");
    const num = document.createElement("span");
    num.className = "number";
    num.textContent = ev.ticket ? ev.ticket.label : "";
    const ctr = document.createElement("span");
    ctr.className = "counter";
    ctr.textContent = ev.counter;
    li.append(num, ctr);
    ol.append(li);
  });
  document.getElementById("nocalls").hidden = rows.length > 0;
  if (blinkNewest) {
    clearTimeout(blinkTimer);
    blinkTimer = setTimeout(() => {
      const first = ol.querySelector("li.blink");
      if (first) first.classList.remove("blink");
    }, BLINK_MS);
  }
}

function renderServices() {
  const ul = document.getElementById("services");
  ul.textContent = "";
  for (const s of hall.services) {
    const li = document.createElement("li");
    if (!s.open) li.classList.add("closed");
    const name = document.createElement("span");
    name.textContent = CONFIG.lang === "en" && s.name_en ? s.name_en : s.name;
    const n = document.createElement("span");
    n.className = "n";
    n.textContent = s.waiting;
    li.append(name, n);
    ul.append(li);
  }
}

function renderNotice() {
  const bar = document.getElementById("notice-bar");
  const span = document.getElementById("notice");
  bar.hidden = !hall.notice;
  if (span.textContent !== hall.notice) {
    span.textContent = hall.notice;
    // About 12 characters a second, whatever the length.
    span.parentElement.style.setProperty("--scroll", Math.max(10, hall.notice.length / 6) + "s");
  }
}

function adjustWaiting(code, delta) {
  const s = hall.services.find((x) => x.code === code);
  if (s) s.waiting = Math.max(0, s.waiting + delta);
}

function applySnapshot(snap) {
  const v = snap.hall;
  snapNow = v.hall.now;
  Clock.sync(v.hall.now);
  hall.recent = v.recent || [];
  hall.services = v.services || [];
  hall.notice = v.hall.notice || "";
  document.getElementById("hallname").textContent = v.hall.name;
  renderCalls(false);
  renderServices();
  renderNotice();
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
      hall.recent.unshift(ev);
      hall.recent.length = Math.min(hall.recent.length, 10);
      if (ev.type === "ticket.called" && t) adjustWaiting(t.service, -1);
      renderCalls(true);
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

function tick() {
  const c = Clock.now();
  document.getElementById("time").textContent = pad2(c.h) + ":" + pad2(c.m);
  document.getElementById("date").textContent = pad2(c.d) + "/" + pad2(c.mo) + "/" + c.y;
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

tick();
setInterval(tick, 1000);
setInterval(refresh, 60000);
new HallStream({
  onSnapshot: applySnapshot,
  onEvent: applyEvent,
  onState: (online) => setOffline(!online),
}).start();
