// hallq display pages: the hall stream with resume and back-off, the
// announcement queue, and small helpers. No framework, nothing from outside.
"use strict";

const CONFIG = JSON.parse(document.getElementById("config").textContent);
const T = CONFIG.text;

// HallStream keeps one websocket to /api/v1/stream open. After any
// disconnect it reconnects with exponential back-off (0.5 s doubling to
// 30 s, with jitter) and ?since=LAST, so the server replays what was missed.
// Callbacks:
//   onSnapshot(snap)       the hall as of snap.seq (state to show)
//   onEvent(ev, replayed)  an event; replayed = it is already in the last
//                          snapshot's state (only announce it, if recent)
//   onState(online)        connection up (after the snapshot) or down
class HallStream {
  constructor(handlers) {
    this.h = handlers;
    this.last = -1;     // the seq to resume after
    this.snapSeq = -1;  // seq of the last snapshot
    this.delay = 500;
    this.ws = null;
    this.timer = null;
    this.healthFails = 0;
  }
  url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    let u = proto + "//" + location.host + CONFIG.stream;
    if (this.last >= 0) u += "?since=" + this.last;
    return u;
  }
  start() {
    this.connect();
    // The browser does not see the server's pings: a network that silently
    // dies is found by checking the server every 15 s.
    setInterval(() => this.checkHealth(), 15000);
  }
  connect() {
    this.timer = null;
    let ws;
    try { ws = new WebSocket(this.url()); } catch (e) { this.retry(); return; }
    this.ws = ws;
    ws.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      if (msg.type === "snapshot") {
        this.snapSeq = msg.seq;
        // A server whose log is behind ours was reset: start over.
        if (msg.replay === 0 || msg.truncated || msg.seq < this.last) this.last = msg.seq;
        this.delay = 500;
        this.healthFails = 0;
        this.h.onSnapshot(msg);
        this.h.onState(true);
        return;
      }
      if (typeof msg.seq !== "number" || msg.seq <= this.last) return; // never twice
      this.last = msg.seq;
      this.h.onEvent(msg, msg.seq <= this.snapSeq);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.h.onState(false);
      this.retry();
    };
    ws.onerror = () => { try { ws.close(); } catch (e) {} };
  }
  retry() {
    if (this.timer) return;
    const d = this.delay * (0.75 + Math.random() * 0.5);
    this.delay = Math.min(this.delay * 2, 30000);
    this.timer = setTimeout(() => this.connect(), d);
  }
  async checkHealth() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const ctl = new AbortController();
    const t = setTimeout(() => ctl.abort(), 5000);
    try {
      await fetch("/healthz", { cache: "no-store", signal: ctl.signal });
      this.healthFails = 0;
    } catch (e) {
      if (++this.healthFails >= 2 && this.ws) { this.healthFails = 0; this.ws.close(); }
    } finally { clearTimeout(t); }
  }
}

// Announcer plays the server's announcement for each call, one at a time:
// a call that arrives while another plays waits for it to end, and a recall
// is announced again. Where autoplay is blocked, the first click on the page
// unlocks the sound and the queue goes on.
class Announcer {
  constructor(enabled) {
    this.enabled = enabled;
    this.queue = [];
    this.playing = false;
    this.audio = new Audio();
    this.audio.preload = "auto";
    this.audio.onended = () => this.next();
    this.audio.onerror = () => this.next();
    this.banner = document.getElementById("soundoff");
    const unlock = () => {
      if (this.banner) this.banner.hidden = true;
      if (!this.playing) this.next();
    };
    document.addEventListener("click", unlock);
    document.addEventListener("keydown", unlock);
  }
  push(ev) {
    if (!this.enabled) return;
    // A call older than two minutes is stale news: show it, don't say it.
    this.queue.push({ seq: ev.seq, until: Date.now() + 120000 });
    if (!this.playing) this.next();
  }
  next() {
    let item;
    while ((item = this.queue.shift()) && item.until < Date.now()) {}
    if (!item) { this.playing = false; return; }
    this.playing = true;
    this.audio.src = CONFIG.audio + item.seq + ".wav";
    const p = this.audio.play();
    if (p && p.catch) {
      p.catch((err) => {
        if (err && err.name === "NotAllowedError") {
          // Autoplay blocked: keep the call, wait for a click.
          this.queue.unshift(item);
          this.playing = false;
          if (this.banner) this.banner.hidden = false;
        } else if (err && err.name !== "AbortError") {
          this.next();
        }
      });
    }
  }
}

function isCall(ev) {
  return ev.type === "ticket.called" || ev.type === "ticket.recalled";
}

// recentEnough: replayed calls are announced only if they happened within
// 30 s of the snapshot that preceded them (server time on both sides).
function recentEnough(ev, snapNow) {
  if (!snapNow) return true;
  return new Date(snapNow) - new Date(ev.at) < 30000;
}

function setOffline(offline) {
  const el = document.getElementById("offline");
  if (el) el.hidden = !offline;
  document.body.classList.toggle("is-offline", offline);
}

function serviceName(code) {
  for (const s of CONFIG.services || []) {
    if (s.code === code) return CONFIG.lang === "en" && s.name_en ? s.name_en : s.name;
  }
  return code;
}
