// hallq staff pages: shared helpers. No framework, nothing fetched from
// outside the hall server.
"use strict";
const TEXT = JSON.parse(document.getElementById("texts").textContent);
function T(key) { return TEXT[key] || key; }

class APIError extends Error {
  constructor(status, code, message, reason) { super(message); this.status = status; this.code = code; this.reason = reason; }
}

// api calls the hall's JSON API with the session cookie. Failures are
// APIErrors: the server's code, reason and (English) message, or code
// "network" when the server could not be reached.
async function api(method, path, body) {
  const opts = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch (e) {
    throw new APIError(0, "network", e.message, "");
  }
  if (resp.status === 204) return null;
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (!resp.ok) {
    const err = (data && data.error) || {};
    if (resp.status === 401 && !path.endsWith("/login")) {
      location.href = "/login?expired=1&next=" + encodeURIComponent(location.pathname + location.search);
    }
    throw new APIError(resp.status, err.code || "", err.message || resp.statusText, err.reason || "");
  }
  return data;
}

// Stream follows /api/v1/stream: a snapshot, then events; it reconnects
// with ?since= after any break so that no event is missed.
class Stream {
  constructor(onSnapshot, onEvent, onStatus) {
    this.seq = -1; this.onSnapshot = onSnapshot; this.onEvent = onEvent; this.onStatus = onStatus || (() => {});
    this.backoff = 500; this.connect();
  }
  connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    let url = proto + "//" + location.host + "/api/v1/stream";
    if (this.seq >= 0) url += "?since=" + this.seq;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => { this.backoff = 500; this.onStatus(true); };
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.type === "snapshot") {
        this.seq = msg.seq; this.onSnapshot(msg.hall);
        return;
      }
      if (typeof msg.seq === "number") {
        if (msg.seq <= this.seq) return;
        this.seq = msg.seq;
      }
      this.onEvent(msg);
    };
    ws.onclose = () => {
      this.onStatus(false);
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 10000);
    };
  }
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// syncRows makes the children of box one per item, in order, keyed by
// key(item): a child already there for that key is kept and updated in
// place by fill, and only a new key gets a new child from make. A page
// that redraws from the event stream must not swap a button for a copy
// while someone is pressing it (the press and the release would land on
// two different elements, and the click never happens) nor an input
// while someone is typing in it. Children without a key (an "empty"
// line) go; when there are no items, empty (if given) is shown instead.
function syncRows(box, items, key, make, fill, empty) {
  const old = new Map();
  for (const c of box.children) if (c.dataset.key !== undefined) old.set(c.dataset.key, c);
  items.forEach((item, i) => {
    const k = String(key(item));
    let c = old.get(k);
    if (!c) {
      c = make(item);
      c.dataset.key = k;
    }
    old.delete(k);
    fill(c, item);
    // Moved only when out of place: a row that stays where it is is not
    // taken out of the document and put back.
    if (box.children[i] !== c) box.insertBefore(c, box.children[i] || null);
  });
  while (box.children.length > items.length) box.lastElementChild.remove();
  if (items.length === 0 && empty) box.append(empty);
}

// setOptions gives a select the options [value, text] in order, rebuilt
// only when they change (a person may have the list open, or be choosing
// with the keys); the choice stays if it is still offered, else the first.
function setOptions(sel, opts) {
  if (JSON.stringify(opts) === JSON.stringify([...sel.options].map((o) => [o.value, o.textContent]))) return;
  const was = sel.value;
  sel.replaceChildren(...opts.map(([v, text]) => el("option", { value: v }, text)));
  if (opts.some(([v]) => v === was)) sel.value = was;
}

// setText changes an element's text only when it differs (a text node
// replaced under a press or a selection is a change a person may feel).
function setText(e, s) {
  s = String(s);
  if (e.textContent !== s) e.textContent = s;
}

// errorText is an error as staff read it: the meaning in the page's
// language, from the error's reason or code, then the server's own
// detail (kept for whoever has to look into it).
function errorText(e) {
  if (e instanceof TypeError || (e && e.code === "network")) return T("error.network");
  if (!(e instanceof APIError)) return String(e && e.message || e);
  const head = (e.reason && TEXT["reason." + e.reason]) || TEXT["error." + e.code] || T("error.internal");
  return e.message && e.message !== head ? head + " — " + e.message : head;
}

function pad2(n) { return String(n).padStart(2, "0"); }
// fmtClock is a time the server wrote, as "08:15" in the hall's zone.
function fmtClock(iso) { return HallFmt.time(iso); }
function fmtDuration(ms) {
  if (ms < 0) ms = 0;
  const s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return (h > 0 ? h + ":" + pad2(m) : m) + ":" + pad2(s % 60);
}

function flash(msg, isError) {
  let box = document.getElementById("flash");
  if (!box) {
    box = el("div", { id: "flash", role: "status" });
    document.body.append(box);
  }
  box.textContent = msg;
  box.className = isError ? "error show" : "show";
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { box.className = ""; }, 4000);
}

const signout = document.getElementById("signout");
if (signout) {
  signout.addEventListener("click", async () => {
    try { await api("POST", "/api/v1/logout"); } catch (e) { /* signed out anyway */ }
    location.href = "/login";
  });
}

// askConfirm asks before something that cannot be taken back, in the
// page's confirm dialog (template "confirm"); it answers true for the
// confirm button, false for cancel or Escape.
function askConfirm(text) {
  const el = (id) => document.getElementById(id);
  const dlg = el("confirm");
  el("confirm-text").textContent = text;
  return new Promise((done) => {
    const finish = (ok) => () => {
      el("confirm-yes").onclick = el("confirm-no").onclick = dlg.oncancel = null;
      dlg.close();
      done(ok);
    };
    el("confirm-yes").onclick = finish(true);
    el("confirm-no").onclick = finish(false);
    dlg.oncancel = finish(false);
    dlg.showModal();
    el("confirm-no").focus();
  });
}
