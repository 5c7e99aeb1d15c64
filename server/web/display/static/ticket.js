// The citizen's phone page: the ticket's number, service, state, people
// ahead and estimated wait, refreshed every few seconds through the API
// (with the ticket's secret), so it works on the guest Wi-Fi and through a
// central server alike.
"use strict";

const POLL_MS = 5000;
let lastState = null;

function fmt(s, n) { return s.replace("%d", n); }

function show(t) {
  document.getElementById("t-number").textContent = t.label;
  document.getElementById("t-service").textContent = serviceName(t.service);
  const st = document.getElementById("t-state");
  let text = T["st_" + t.state] || t.state;
  if (t.state === "called" || t.state === "serving") text = fmt(text, t.counter);
  st.textContent = text;
  st.className = "t-state " + t.state;
  const waiting = t.state === "waiting";
  document.getElementById("t-ahead").textContent = waiting ? t.waiting_ahead : "–";
  const mins = Math.round((t.estimated_wait_s || 0) / 60);
  document.getElementById("t-wait").textContent = !waiting ? "–" : mins < 1 ? T.under_min : fmt(T.about_min, mins);
  const now = new Date();
  document.getElementById("t-updated").textContent = pad2(now.getHours()) + ":" + pad2(now.getMinutes()) + ":" + pad2(now.getSeconds());
  if (t.state === "called" && lastState !== "called" && lastState !== null && navigator.vibrate) {
    navigator.vibrate([400, 200, 400]);
  }
  lastState = t.state;
  document.title = t.label + " — " + text;
}

async function poll() {
  try {
    const r = await fetch(CONFIG.ticket, { cache: "no-store" });
    if (r.status === 404 || r.status === 403 || r.status === 401) {
      document.getElementById("t-state").textContent = T.not_found;
      setOffline(false);
      return;
    }
    if (!r.ok) throw new Error(String(r.status));
    show(await r.json());
    setOffline(false);
  } catch (e) {
    setOffline(true);
  }
}

poll();
setInterval(poll, POLL_MS);
document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
