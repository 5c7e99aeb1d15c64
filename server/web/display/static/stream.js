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
    // Where the hall's public_display is off, the page first needs a
    // display token (DisplayAccess, which may enrol and wait for the
    // admin); a server it cannot reach is retried like a lost socket.
    DisplayAccess.ensure().then(() => this.open(), () => this.retry());
  }
  open() {
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

// DisplayAccess gives a TV page the right to read the hall. While the
// hall's public_display is on anyone may, and it does nothing. Otherwise
// the page needs a display token in the session cookie (the only
// credential a browser sends on a websocket or an <audio>). It keeps the
// token in the cookie and in the browser's storage too, so a browser that
// drops its cookies gets it back without the admin. With no token that
// works, the page enrols like any device: it shows a code on the whole
// screen, asks the hall server (POST /api/v1/enrol, without the stale
// cookie), polls until the admin approves it on /admin, hands the token to
// the server to keep in the cookie, and goes on to the hall view. A token
// revoked later ends the stream; the next connect finds it refused and
// enrols again with a new code.
const DisplayAccess = {
  KEY: "hallq.display.token",
  NAME: "hallq.display.name",
  ALPHABET: "ABCDEFGHJKMNPQRSTUVWXYZ23456789", // no 0/O, 1/I/L: read aloud or from afar
  pending: null,
  // ensure resolves once the page may read the hall, and rejects when the
  // server cannot be reached; one run at a time.
  ensure() {
    if (!this.pending) this.pending = this.run().finally(() => { this.pending = null; });
    return this.pending;
  },
  async run() {
    if (await this.readable()) return;
    const kept = this.load(this.KEY);
    if (kept && (await this.keep(kept)) && (await this.readable())) return;
    // The kept token is revoked (or there was none): drop it and the
    // cookie holding it, then read the hall as anyone, or enrol.
    this.save(this.KEY, null);
    await fetch("/display/session", { method: "DELETE" });
    if (await this.readable()) return;
    await this.enrol();
  },
  // readable: true if the page may read the hall, false if it needs a
  // token; it throws when the server is not reached or answers otherwise.
  async readable() {
    const r = await fetch("/api/v1/hall", { cache: "no-store" });
    if (r.ok) return true;
    if (r.status === 401) return false;
    throw new Error("/api/v1/hall: HTTP " + r.status);
  },
  // keep asks the server to hold token in the session cookie: false if it
  // refuses the token.
  async keep(token) {
    const r = await fetch("/display/session", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token }),
    });
    if (r.ok) return true;
    if (r.status === 401 || r.status === 400) return false;
    throw new Error("/display/session: HTTP " + r.status);
  },
  // keepRetrying is keep for a token just collected (the server will not
  // hand it out again): a server out of reach is asked until it answers.
  async keepRetrying(token) {
    for (let wait = 2000; ; wait = Math.min(wait * 1.5, 30000)) {
      try { return await this.keep(token); } catch (e) { await this.sleep(wait); }
    }
  },
  load(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  },
  save(key, v) {
    try { if (v === null) localStorage.removeItem(key); else localStorage.setItem(key, v); } catch (e) {}
  },
  random(n) {
    const b = new Uint8Array(n);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => this.ALPHABET[x % this.ALPHABET.length]).join("");
  },
  // name is the device's name on the server: ?name= if given, else the one
  // this browser used before, else a new one such as "hall-tv-k7q2".
  name() {
    const given = new URLSearchParams(location.search).get("name");
    let n = given || this.load(this.NAME);
    if (!n) n = (CONFIG.counter ? "counter" + CONFIG.counter : "hall") + "-tv-" + this.random(4).toLowerCase();
    this.save(this.NAME, n);
    return n;
  },
  show(code, name, status) {
    const el = document.getElementById("enrol");
    if (!el) return;
    document.getElementById("enrol-code").textContent = code;
    document.getElementById("enrol-name").textContent = name;
    document.getElementById("enrol-status").textContent = status || "";
    el.hidden = false;
    document.body.classList.add("is-enrolling");
  },
  hide() {
    const el = document.getElementById("enrol");
    if (el) el.hidden = true;
    document.body.classList.remove("is-enrolling");
  },
  sleep(ms) { return new Promise((ok) => setTimeout(ok, ms)); },
  // call makes a request without the session cookie (a revoked token in it
  // would be refused even on the public enrolment routes); null when the
  // server is not reached.
  async call(url, opts) {
    try {
      const r = await fetch(url, Object.assign({ credentials: "omit", cache: "no-store" }, opts));
      let body = {};
      try { body = await r.json(); } catch (e) {}
      return { status: r.status, body, after: parseInt(r.headers.get("Retry-After") || "0", 10) * 1000 };
    } catch (e) {
      return null;
    }
  },
  message(res) {
    return (res && res.body && res.body.error && res.body.error.message) || T.enrol_busy;
  },
  // enrol returns once the page holds a display token an admin approved.
  async enrol() {
    const name = this.name();
    let code = "";
    for (;;) {
      code = this.random(3) + "-" + this.random(3);
      this.show(code, name, "");
      let req = null;
      let wait = 2000;
      while (!req) {
        const res = await this.call("/api/v1/enrol", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ name, kind: "display", code }),
        });
        if (res && res.status === 202 && res.body.poll) { req = res.body; break; }
        if (res && res.status === 400) {
          // A name the server refuses (from ?name=): say so and wait for
          // someone to fix the address.
          this.show(code, name, this.message(res));
          await this.sleep(60000);
          continue;
        }
        this.show(code, name, res ? this.message(res) : T.enrol_busy);
        await this.sleep(Math.max(wait, res ? res.after : 0));
        wait = Math.min(wait * 1.5, 30000);
      }
      this.show(code, name, "");
      const every = Math.max(1000, (req.retry_after_s || 5) * 1000);
      for (;;) {
        await this.sleep(every);
        const res = await this.call(req.poll, {});
        if (!res) { this.show(code, name, T.enrol_busy); continue; }
        if (res.status === 202) { this.show(code, name, ""); continue; }
        if (res.status === 200 && res.body.token) {
          this.save(this.KEY, res.body.token);
          if (await this.keepRetrying(res.body.token)) { this.hide(); return; }
          break; // refused at once (revoked meanwhile): a new code
        }
        if (res.status === 404) break; // expired or gone: a new code
        if (res.status === 403) {
          this.show(code, name, T.enrol_rejected);
          await this.sleep(60000);
          break;
        }
        // Busy, or approved while another live device has this name (409:
        // the admin revokes that one, then the next poll collects): say
        // why and poll again.
        this.show(code, name, this.message(res));
        await this.sleep(Math.max(every, res.after));
      }
    }
  },
};

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
