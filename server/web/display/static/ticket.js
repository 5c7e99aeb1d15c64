// The citizen's phone page: the ticket's number, service, state, people
// ahead and estimated wait, refreshed every few seconds through the API
// (with the ticket's secret), so it works on the guest Wi-Fi and through a
// central server alike.
"use strict";

const POLL_MS = 5000;
// States after which nothing more happens to the ticket: polling stops.
const FINAL = ["done", "cancelled", "transferred"];
// States in which the page still has news to give.
const LIVE = ["waiting", "called", "serving"];
let lastState = null;
let pollTimer = null;
let vibrateOn = false;
const $ = (id) => document.getElementById(id);

function fmt(s, n) { return s.replace("%d", n); }

// waitText is an estimated wait as words: "khoảng 3 phút", "about 1 minute".
function waitText(seconds) {
  const mins = Math.round((seconds || 0) / 60);
  if (mins < 1) return T.under_min;
  return HallFmt.plural(mins, [T.about_min_one || T.about_min, T.about_min]);
}

function show(t) {
  HallFmt.learn(t.issued_at);
  $("t-number").textContent = t.label;
  $("t-service").textContent = serviceName(t.service);
  // A ticket checked in with a booking: its booked time.
  $("t-slot").hidden = !t.slot_at;
  if (t.slot_at) $("t-slot").textContent = T.slot_at.replace("%s", HallFmt.time(t.slot_at));
  const st = $("t-state");
  let text = T["st_" + t.state] || t.state;
  if (t.state === "called" || t.state === "serving") text = fmt(text, t.counter);
  st.textContent = text;
  st.className = "t-state " + t.state;
  const waiting = t.state === "waiting";
  // People ahead and the wait mean something only while waiting.
  $("t-facts").hidden = !waiting;
  $("t-ahead").textContent = waiting ? t.waiting_ahead : "–";
  $("t-wait").textContent = waiting ? waitText(t.estimated_wait_s) : "–";
  const live = LIVE.includes(t.state);
  $("t-note").hidden = !live;
  $("t-vibrate").hidden = !live;
  if (t.state === "called" && lastState !== "called" && lastState !== null && vibrateOn) {
    navigator.vibrate([400, 200, 400]);
  }
  lastState = t.state;
  document.title = t.label + " — " + text;
  if (FINAL.includes(t.state)) stop();
}

// badLink shows one message and nothing of a ticket, and stops asking.
function badLink() {
  stop();
  for (const id of ["t-label", "t-number", "t-service", "t-facts", "t-note", "t-vibrate", "t-updated-line"]) $(id).hidden = true;
  const st = $("t-state");
  st.textContent = T.not_found;
  st.className = "t-state bad";
  document.title = T.not_found;
  setOffline(false);
}

function stop() {
  clearInterval(pollTimer);
  pollTimer = null;
  document.removeEventListener("visibilitychange", onVisible);
}

async function poll() {
  try {
    const r = await fetch(CONFIG.ticket, { cache: "no-store" });
    if (r.status === 404 || r.status === 403 || r.status === 401) {
      badLink();
      return;
    }
    if (!r.ok) throw new Error(String(r.status));
    const t = await r.json();
    if (!pollTimer && lastState !== null) return; // stopped meanwhile
    show(t);
    // The server's clock, in the hall's zone.
    const served = r.headers.get("Date");
    $("t-updated").textContent = HallFmt.timeS(served ? new Date(served) : new Date());
    setOffline(false);
  } catch (e) {
    setOffline(true);
  }
}

function onVisible() { if (!document.hidden) poll(); }

// Browsers let a page vibrate only after the person has touched it: the
// page asks for a tap, and buzzes once to show it worked.
function enableVibration() {
  const b = $("t-vibrate");
  if (vibrateOn || !navigator.vibrate) return;
  vibrateOn = true;
  navigator.vibrate(60);
  b.textContent = T.vibrate_on;
  b.classList.add("on");
}

if (!navigator.vibrate) $("t-vibrate").textContent = T.vibrate_none;
$("t-vibrate").addEventListener("click", enableVibration);
document.addEventListener("click", enableVibration);
poll();
pollTimer = setInterval(poll, POLL_MS);
document.addEventListener("visibilitychange", onVisible);
