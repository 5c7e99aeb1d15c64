// A counter's screen: its current number, very large, and its state.
"use strict";

const COUNTER = CONFIG.counter;
const announcer = new Announcer(CONFIG.sound);
let current = null;  // the ticket called or in service here
let state = "closed";
let blinkTimer = null;

function render(blink) {
  document.getElementById("counter-no").textContent = COUNTER;
  const cur = document.getElementById("current");
  cur.textContent = current ? current.label : "—";
  document.getElementById("service").textContent = current ? serviceName(current.service) : "";
  const st = document.getElementById("state");
  let word = T[state] || state;
  if (state === "open" && current) word = current.state === "serving" ? T.serving : T.called;
  st.textContent = word;
  st.className = "counter-state " + state;
  if (blink) {
    cur.classList.add("blink");
    clearTimeout(blinkTimer);
    blinkTimer = setTimeout(() => cur.classList.remove("blink"), 8000);
  }
}

let snapNow = null;

function applySnapshot(snap) {
  snapNow = snap.hall.hall.now;
  const c = (snap.hall.counters || []).find((x) => x.id === COUNTER);
  current = c ? c.current : null;
  state = c ? c.state : "closed";
  render(false);
}

function applyEvent(ev, replayed) {
  if (ev.counter !== COUNTER) return;
  if (replayed) {
    if (isCall(ev) && recentEnough(ev, snapNow)) announcer.push(ev);
    return;
  }
  switch (ev.type) {
    case "ticket.called":
    case "ticket.recalled":
      current = ev.ticket;
      render(true);
      announcer.push(ev);
      return;
    case "ticket.started":
      current = ev.ticket;
      break;
    case "ticket.finished":
    case "ticket.no_show":
    case "ticket.transferred":
      if (current && ev.ticket && current.id === ev.ticket.id) current = null;
      break;
    case "counter.opened": state = "open"; break;
    case "counter.paused": state = "paused"; break;
    case "counter.closed": state = "closed"; current = null; break;
    default: return;
  }
  render(false);
}

document.title = (T.counter_n || "") + " " + COUNTER;
render(false);
new HallStream({
  onSnapshot: applySnapshot,
  onEvent: applyEvent,
  onState: (online) => setOffline(!online),
}).start();
