// The officer console: everything live over the event stream.
"use strict";
(function () {
  const root = document.getElementById("officer");
  const me = root.dataset.user;
  const params = new URLSearchParams(location.search);
  let counterId = parseInt(params.get("counter") || sessionStorage.getItem("hallq_counter") || "0", 10) || 0;
  let hall = null;       // the latest snapshot's hall view
  let counter = null;    // our counter, fresh from the API
  let busy = false;
  let online = false;    // the event stream is connected

  const $ = (id) => document.getElementById(id);
  const fmtN = (s, ...n) => n.reduce((acc, x) => acc.replace("%d", x), s);

  function serviceName(code) {
    const s = hall && hall.services.find((x) => x.code === code);
    if (!s) return code;
    return (document.body.dataset.lang === "en" && s.name_en) ? s.name_en : s.name;
  }

  function showChooser() {
    $("console").hidden = true;
    $("chooser").hidden = false;
    // Every event redraws the list: each counter's line is updated in
    // place, so an "open" button being pressed stays the same button.
    syncRows($("counter-list"), hall ? hall.counters : [], (c) => c.id,
      (c) => el("div", { class: "counter-choice" },
        el("strong", {}, T("officer.counter") + " " + c.id), el("span", { class: "about" }), " ",
        el("button", { class: "open-counter", "data-counter": c.id, onclick: () => openCounter(c.id) })),
      (row, c) => {
        const mine = c.officer === me, free = !c.officer;
        setText(row.querySelector(".about"), " " + c.name + " · " + c.services.map(serviceName).join(", ") + " · " +
          T("officer.state." + c.state) + (c.officer ? " (" + c.officer + ")" : ""));
        const b = row.querySelector("button");
        b.disabled = !(mine || free);
        setText(b, mine ? T("officer.title") : T("officer.open"));
      });
  }

  async function openCounter(id) {
    try {
      const c = await api("POST", "/api/v1/counters/" + id + "/open");
      counterId = id;
      sessionStorage.setItem("hallq_counter", String(id));
      history.replaceState(null, "", "/officer?counter=" + id);
      counter = c;
      render();
      refreshLists();
    } catch (e) { flash(errorText(e), true); }
  }

  async function refreshCounter() {
    if (!counterId) return;
    try {
      counter = await api("GET", "/api/v1/counters/" + counterId);
    } catch (e) { counter = null; }
    render();
  }

  function render() {
    if (!counter || counter.officer !== me || counter.state === "closed") {
      showChooser();
      return;
    }
    $("chooser").hidden = true;
    $("console").hidden = false;
    // "Quầy số 1", and the counter's name only where it says more than that.
    $("counter-title").textContent = T("officer.counter") + " " + counter.id;
    const plain = [T("officer.counter") + " " + counter.id, "quầy " + counter.id, "quầy số " + counter.id, "counter " + counter.id, String(counter.id)];
    const named = counter.name && !plain.some((p) => p.toLowerCase() === counter.name.trim().replace(/\s+/g, " ").toLowerCase());
    $("counter-name").textContent = named ? counter.name : "";
    $("counter-name").hidden = !named;
    $("counter-state").textContent = T("officer.state." + counter.state);
    $("counter-state").dataset.state = counter.state;
    const cur = counter.current;
    $("current-label").textContent = cur ? cur.label : "—";
    // A booked citizen: the time they were given, as their ticket says it.
    $("current-booking").textContent = cur && cur.slot_at ? bookingText(cur) : "";
    $("current-booking").hidden = !(cur && cur.slot_at);
    $("current-meta").textContent = cur
      ? serviceName(cur.service) + " · " + T("officer.state." + cur.state) + (cur.priority ? " · " + T("officer.priority") : "")
      : T("officer.none");
    const paused = counter.state === "paused";
    $("btn-pause").firstChild.textContent = (paused ? T("officer.resume") : T("officer.pause")) + " ";
    // Recalls: how many so far, and what the next press will do — at the
    // hall's limit it makes the citizen a no-show, and says so first.
    const max = (hall && hall.hall && hall.hall.max_recalls) || 0;
    const called = !!cur && cur.state === "called";
    const last = called && max > 0 && cur.recalls >= max;
    let info = "";
    if (called) {
      info = max > 0 ? fmtN(T("officer.recalls"), cur.recalls, max) : fmtN(T("officer.recalls_any"), cur.recalls);
      if (max > 0) info += " " + (last ? T("officer.recall_last") : fmtN(T("officer.recall_then"), cur.recalls + 1, max));
    }
    $("recall-info").textContent = info;
    $("recall-info").classList.toggle("last", last);
    $("btn-recall").firstChild.textContent = (last ? T("officer.recall_noshow") : T("officer.recall")) + " ";
    $("btn-recall").classList.toggle("warn", last);
    // Offline, nothing can be done: every action waits for the server;
    // nor while an action is on its way (act takes one at a time), so
    // a button that can be pressed is one whose press will count.
    const off = !online || busy;
    $("offline-note").hidden = online;
    $("btn-next").disabled = off || !!cur || paused;
    $("btn-recall").disabled = off || !called;
    $("btn-start").disabled = off || !called;
    $("btn-finish").disabled = off || !cur;
    $("btn-noshow").disabled = off || !called;
    $("btn-transfer").disabled = off || !cur;
    $("transfer-to").disabled = off || !cur;
    $("btn-pause").disabled = off;
    $("btn-close").disabled = off || !!cur;
    setOptions($("transfer-to"), (hall ? hall.services : []).filter((s) => !(cur && s.code === cur.service))
      .map((s) => [s.code, s.code + " — " + serviceName(s.code)]));
    tick();
  }

  function tick() {
    const cur = counter && counter.current;
    if (!cur) { $("current-timer").textContent = ""; return; }
    const from = cur.started_at || cur.called_at;
    $("current-timer").textContent = fmtDuration(Date.now() - new Date(from).getTime());
  }
  setInterval(tick, 1000);

  let listTimer = 0;
  function refreshLists() {
    clearTimeout(listTimer);
    listTimer = setTimeout(loadLists, 50);
  }

  async function loadLists() {
    if (!counter || !counter.services) return;
    const q = "?service=" + encodeURIComponent(counter.services.join(","));
    try {
      const [w, n] = await Promise.all([api("GET", "/api/v1/tickets" + q), api("GET", "/api/v1/noshows" + q)]);
      renderWaiting(w.tickets);
      renderNoShows(n.tickets);
    } catch (e) { if (online) flash(errorText(e), true); }
  }

  // bookingText is a booked ticket's badge: 'Lịch hẹn 08:15'.
  function bookingText(t) { return T("officer.booking") + " " + fmtClock(t.slot_at); }

  // The lists are read again on every event of the hall (a ticket issued
  // anywhere): their rows are updated in place (syncRows), so that the
  // call, priority and requeue buttons an officer is pressing stay put.
  let lapseTimer = 0;
  function renderWaiting(tickets) {
    setText($("waiting-count"), tickets.length);
    let nextLapse = Infinity;
    syncRows($("waiting"), tickets, (t) => t.id,
      (t) => el("tr", { "data-ticket": t.id },
        el("td", { class: "label" }), el("td", {}), el("td", {}),
        el("td", {}, el("span", { class: "prio-mark" }, T("officer.priority")),
          el("button", { class: "mark-priority", onclick: () => act("POST", "/api/v1/tickets/" + t.id + "/priority", {}) }, T("officer.priority"))),
        el("td", {}, el("button", { class: "call-ticket", onclick: () => act("POST", "/api/v1/counters/" + counterId + "/call", { ticket: t.id }) }))),
      (row, t) => {
        // A ticket still printing at its kiosk cannot be called yet: it
        // is shown, marked, and the list is read again when its hold ends
        // (a confirmed print arrives as a ticket.printed event instead).
        const heldMs = t.held_until ? Date.parse(t.held_until) - Date.now() : 0;
        const printing = heldMs > 0;
        if (printing) nextLapse = Math.min(nextLapse, heldMs);
        const [label, service, issued, prio, call] = row.children;
        row.className = t.priority ? "prio" : "";
        const badge = t.slot_at ? bookingText(t) : "";
        if (label.firstChild?.textContent !== t.label || (label.querySelector(".booking-badge")?.textContent || "") !== badge) {
          label.replaceChildren(t.label, badge ? el("span", { class: "booking-badge" }, badge) : "");
        }
        setText(service, serviceName(t.service));
        setText(issued, T("officer.issued") + " " + fmtClock(t.issued_at));
        prio.querySelector(".prio-mark").hidden = !t.priority;
        prio.querySelector("button").hidden = !!t.priority;
        call.firstChild.disabled = printing;
        call.firstChild.classList.toggle("printing", printing);
        setText(call.firstChild, printing ? T("officer.printing") : T("officer.call"));
      },
      el("tr", {}, el("td", { colspan: 5 }, T("officer.nobody"))));
    if (nextLapse < Infinity) {
      clearTimeout(lapseTimer);
      lapseTimer = setTimeout(refreshLists, nextLapse + 200);
    }
  }

  function renderNoShows(tickets) {
    syncRows($("noshows"), tickets, (t) => t.id,
      (t) => el("tr", { "data-ticket": t.id },
        el("td", { class: "label" }, t.label), el("td", {}),
        el("td", {}, el("button", { class: "requeue", onclick: () => act("POST", "/api/v1/tickets/" + t.id + "/requeue") }, T("officer.requeue")))),
      (row, t) => setText(row.children[1], serviceName(t.service)));
  }

  // act runs one action at a time (a second press while the first is on
  // its way is ignored, so a double press never calls two citizens); the
  // console shows the new state only once it takes presses again.
  async function act(method, path, body) {
    if (busy) return;
    busy = true;
    if (counter) render();
    try {
      const res = await api(method, path, body);
      if (res && res.id && typeof res.state === "string" && res.services) counter = res;
      // "Next" with nobody waiting answers 204: say so.
      if (res === null && path.endsWith("/next")) flash(T("officer.empty"));
    } catch (e) {
      flash(errorText(e), true);
    } finally { busy = false; }
    await refreshCounter();
    refreshLists();
  }

  const base = () => "/api/v1/counters/" + counterId;
  const actions = {
    next: () => act("POST", base() + "/next"),
    recall: () => act("POST", base() + "/recall"),
    start: () => act("POST", base() + "/start"),
    finish: () => act("POST", base() + "/finish"),
    noshow: () => act("POST", base() + "/no-show"),
    transfer: () => act("POST", base() + "/transfer", { service: $("transfer-to").value }),
    pause: () => act("POST", base() + (counter && counter.state === "paused" ? "/open" : "/pause")),
    close: () => act("POST", base() + "/close"),
  };
  for (const [name, fn] of Object.entries(actions)) {
    $("btn-" + name).addEventListener("click", fn);
  }
  // Once a procedure is chosen the list lets go of the keyboard, so the
  // shortcuts work again (a focused list would take the letters).
  $("transfer-to").addEventListener("change", () => $("transfer-to").blur());
  $("transfer-to").addEventListener("keydown", (ev) => { if (ev.key === "Escape") $("transfer-to").blur(); });
  const keys = { n: "next", r: "recall", s: "start", f: "finish", v: "noshow", t: "transfer", p: "pause" };
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || $("console").hidden) return;
    if (["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName)) return;
    const name = keys[ev.key.toLowerCase()];
    if (name && !$("btn-" + name).disabled) {
      ev.preventDefault();
      actions[name]();
    }
  });

  new Stream((h) => {
    hall = h;
    HallFmt.sync(h.hall.now, h.hall.time_zone);
    counter = counterId ? h.counters.find((c) => c.id === counterId) || null : null;
    render();
    refreshLists();
  }, (ev) => {
    if (ev.type === "hall.configured") {
      // Definitions changed: reconnecting brings a fresh snapshot.
      api("GET", "/api/v1/hall").then((h) => { hall = h; refreshCounter(); });
    }
    if (hall && ev.counter && !counterId) {
      api("GET", "/api/v1/hall").then((h) => { hall = h; render(); });
    }
    if (ev.counter === counterId || (ev.type || "").startsWith("counter.")) refreshCounter();
    refreshLists();
    if (!counterId && hall) showChooser();
  }, (up) => {
    online = up;
    $("conn").textContent = up ? T("officer.live") : T("officer.offline");
    $("conn").className = up ? "conn up" : "conn down";
    if (counter) render();
  });
})();
