// Hall administration: every change goes through the API, and through the
// queue engine for services, counters and settings, so the running hall
// changes at once.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const input = (value, attrs) => el("input", Object.assign({ value: value === undefined || value === null ? "" : value }, attrs || {}));
  let settings = null;

  // save runs fn, then reads everything again. from is what was saved (a
  // button of a row, or a form): that row is drawn afresh and that form
  // shows what the server kept; everything else the admin is changing
  // and has not saved keeps their typing (refreshRows, show).
  async function save(fn, from) {
    try { await fn(); await loadAll(from); flash(T("admin.saved")); } catch (e) { flash(T("admin.error") + ": " + errorText(e), true); }
  }

  // changed: a field the admin has changed from what the page showed.
  const changed = (e) => e.tagName === "SELECT"
    ? e.selectedIndex !== Math.max(0, [...e.options].findIndex((o) => o.defaultSelected))
    : (e.type === "checkbox" ? e.checked !== e.defaultChecked : e.value !== e.defaultValue);

  // refreshRows puts the freshly drawn rows (each with its data-key) in
  // box, in order. A row the admin is at — a field changed and not saved,
  // or the focus in it (a pressed button takes it) — is kept as it is, and
  // stays in the document (so the focus, the typing and the press stay),
  // unless it is the row just saved.
  function refreshRows(box, rows, saved) {
    const old = new Map();
    for (const r of box.children) if (r.dataset.key) old.set(r.dataset.key, r);
    rows.forEach((fresh, i) => {
      const o = fresh.dataset.key ? old.get(fresh.dataset.key) : undefined;
      const keep = o && o !== saved && (o.contains(document.activeElement) || [...o.querySelectorAll("input, select, textarea")].some(changed));
      if (o && !keep) o.remove();
      const row = keep ? o : fresh;
      if (box.children[i] !== row) box.insertBefore(row, box.children[i] || null);
    });
    while (box.children.length > rows.length) box.lastElementChild.remove();
  }
  const keyed = (key) => (row) => { row.dataset.key = key; return row; };

  // show sets what a settings field shows through its default: the
  // browser changes a field with its default only while the person has
  // not edited it, so typing not yet saved stays; a saved form is reset
  // to the defaults (what the server kept).
  function show(id, v) {
    const e = $(id);
    if (e.type === "checkbox") e.defaultChecked = !!v;
    else if (e.tagName === "SELECT") for (const o of e.options) o.defaultSelected = o.value === String(v);
    else e.defaultValue = v === undefined || v === null ? "" : v;
  }

  const fill = (s, v) => s.replace("%s", v).replace("%d", v);

  function hoursText(hours) {
    return (hours || []).map((h) => h.open + "-" + h.close).join(", ");
  }
  function parseHours(text) {
    return text.split(",").map((x) => x.trim()).filter(Boolean).map((x) => {
      const [open, close] = x.split("-").map((y) => y.trim());
      return { open, close };
    });
  }

  // bookingCell edits a service's booking rules: bookable or not, the slot
  // length, the places per slot (empty: the suggestion, shown), the days
  // ahead and the check-in window. Its rules() is what to save: null for a
  // service that never took bookings and still does not.
  function bookingCell(s) {
    const b = s.booking || { enabled: false, slot_min: 15, capacity: 0, days_ahead: 14, checkin_before_min: 15, checkin_after_min: 10 };
    const num = (v, key, attrs) => input(v, Object.assign({ type: "number", min: 0, class: "bk-" + key, title: T("admin.booking_" + key), "aria-label": T("admin.booking_" + key) }, attrs || {}));
    const on = el("input", { type: "checkbox", class: "bk-enabled", checked: b.enabled || null, "aria-label": T("admin.booking_enabled") });
    const slot = num(b.slot_min, "slot", { min: 5 });
    const cap = num(b.capacity || "", "capacity", { placeholder: s.suggested_capacity ? fill(T("admin.booking_suggested"), s.suggested_capacity) : "" });
    const days = num(b.days_ahead, "days"), before = num(b.checkin_before_min, "before"), after = num(b.checkin_after_min, "after");
    const cell = el("div", { class: "booking-rules" }, el("label", { class: "check" }, on, T("admin.booking_enabled")),
      slot, cap, days, before, after,
      s.suggested_capacity ? el("small", { class: "bk-suggestion" }, fill(T("admin.booking_suggested"), s.suggested_capacity)) : null);
    cell.rules = () => (!s.booking && !on.checked) ? null : {
      enabled: on.checked, slot_min: parseInt(slot.value, 10) || 0, capacity: parseInt(cap.value, 10) || 0,
      days_ahead: parseInt(days.value, 10) || 0, checkin_before_min: parseInt(before.value, 10) || 0,
      checkin_after_min: parseInt(after.value, 10) || 0,
    };
    return cell;
  }

  function serviceRow(s) {
    const isNew = !s.code;
    const f = {
      code: input(s.code, { size: 3, readonly: !isNew || null, class: "svc-code" }),
      name: input(s.name, { class: "svc-name" }), name_en: input(s.name_en),
      prefix: input(s.prefix, { size: 3 }), range: input(s.range_from ? s.range_from + "-" + s.range_to : "", { size: 10 }),
      target: input(s.target_wait_min || 0, { type: "number", min: 0, class: "svc-target" }),
      hours: input(hoursText(s.hours)), cap: input(s.daily_cap || 0, { type: "number", min: 0 }),
      order: input(s.order || 0, { type: "number" }),
      booking: bookingCell(s),
    };
    const btn = el("button", { class: "svc-save", onclick: () => save(() => {
      const [from, to] = f.range.value.split("-").map((x) => parseInt(x, 10) || 0);
      const body = {
        code: f.code.value.trim(), name: f.name.value, name_en: f.name_en.value, prefix: f.prefix.value.trim(),
        range_from: f.prefix.value.trim() ? 0 : from, range_to: f.prefix.value.trim() ? 0 : (to || 0),
        target_wait_min: parseInt(f.target.value, 10) || 0, hours: parseHours(f.hours.value),
        daily_cap: parseInt(f.cap.value, 10) || 0, order: parseInt(f.order.value, 10) || 0,
        booking: f.booking.rules(),
      };
      return api("PUT", "/api/v1/services/" + encodeURIComponent(body.code), body);
    }, btn.closest("tr")) }, isNew ? T("admin.add") : T("admin.save"));
    return el("tr", { "data-service": s.code || "" }, ...Object.values(f).map((x) => el("td", {}, x)), el("td", {}, btn));
  }

  function counterRow(c) {
    const id = input(c.id || "", { type: "number", min: 1, readonly: c.id ? true : null, size: 3 });
    const name = input(c.name, { class: "counter-name" }), sv = input((c.services || []).join(", "), { class: "counter-services" });
    const btn = el("button", { onclick: () => save(() => api("PUT", "/api/v1/counters/" + parseInt(id.value, 10),
      { name: name.value, services: sv.value.split(",").map((x) => x.trim()).filter(Boolean) }), btn.closest("tr")) }, c.id ? T("admin.save") : T("admin.add"));
    return el("tr", {}, el("td", {}, id), el("td", {}, name), el("td", {}, sv), el("td", {}, btn));
  }

  function userRow(u) {
    const name = input(u.username, { readonly: u.username ? true : null });
    const role = el("select", {}, ...["officer", "manager", "admin"].map((r) => el("option", { value: r, selected: r === u.role || null }, T("role." + r))));
    const pw = input("", { type: "password", autocomplete: "new-password" });
    const dis = el("input", { type: "checkbox", checked: u.disabled || null, "aria-label": T("admin.disable") });
    const btn = el("button", { onclick: async () => {
      // Locking someone out asks first.
      if (dis.checked && !u.disabled && u.username && !(await askConfirm(fill(T("admin.confirm_disable"), u.username)))) return;
      save(() => api("PUT", "/api/v1/users/" + encodeURIComponent(name.value.trim()),
        { role: role.value, password: pw.value, disabled: dis.checked }), btn.closest("tr"));
    } }, u.username ? T("admin.save") : T("admin.add"));
    return el("tr", { "data-user": u.username || "" }, el("td", {}, name), el("td", {}, role), el("td", {}, pw), el("td", {}, dis), el("td", {}, btn));
  }

  // deviceState judges a device from what it last said and when: a device
  // quiet for more than two heartbeats (30 s each) is not heard from.
  function deviceState(d, now) {
    const h = d.health || {};
    if (d.revoked_at) return ["off", "admin.st.revoked"];
    if (!d.last_seen) return ["off", "admin.st.never"];
    if (now - new Date(d.last_seen) > 90000) return ["bad", "admin.st.stale"];
    if (h.paper === "out") return ["bad", "admin.st.paper_out"];
    if (h.fault || h.render_error || h.online === false) return ["bad", "admin.st.fault"];
    if (h.paper === "near_end") return ["warn", "admin.st.paper_low"];
    if (h.last_error) return ["warn", "admin.st.fault"];
    return ["ok", "admin.st.ok"];
  }

  // healthDetail is the rest of what the device reported, as "key: value"
  // lines (the printer, version and timestamps have their own columns).
  function healthDetail(h) {
    const skip = new Set(["version", "printer", "paper"]);
    return Object.entries(h || {}).filter(([k, v]) => !skip.has(k) && v !== "" && v !== null && v !== 0 && v !== false)
      .map(([k, v]) => k + ": " + (typeof v === "object" ? JSON.stringify(v) : v)).join("\n");
  }

  function deviceRow(d, now) {
    const revoked = !!d.revoked_at;
    const h = d.health || {};
    const [cls, key] = deviceState(d, now);
    const printer = [h.printer, h.paper ? T("admin.paper." + h.paper) : ""].filter(Boolean).join(" · ");
    const row = el("tr", { "data-device": d.name, class: revoked ? "revoked" : "" },
      el("td", {}, d.name), el("td", {}, d.kind), el("td", {}, d.counter || ""),
      el("td", { class: "seen" }, d.last_seen ? HallFmt.dateTime(d.last_seen) : T("admin.never")),
      el("td", {}, el("span", { class: "status " + cls }, T(key))),
      el("td", { class: "printer" }, printer),
      el("td", { class: "version" }, h.version || ""),
      el("td", { class: "detail" }, healthDetail(h)),
      el("td", {}, revoked ? "" : el("button", { class: "revoke danger",
        onclick: async () => {
          if (await askConfirm(fill(T("admin.confirm_revoke"), d.name))) {
            save(() => api("POST", "/api/v1/devices/" + encodeURIComponent(d.name) + "/revoke"), row);
          }
        } }, T("admin.revoke"))));
    return row;
  }

  // A device asking to enrol: the admin compares the code it shows with the
  // one here, gives a pad its counter, and approves or rejects.
  function enrolRow(e) {
    const counter = input("", { type: "number", min: 1, size: 3, disabled: e.kind !== "pad" || null });
    const base = "/api/v1/enrolments/" + encodeURIComponent(e.id);
    return el("tr", { "data-enrolment": e.name },
      el("td", {}, e.name), el("td", {}, e.kind), el("td", { class: "code" }, e.code),
      // A request from an address that already has a device is another
      // device of that machine (a kiosk's pads) — or someone using it.
      el("td", { class: "remote" }, e.remote, e.same_address && e.same_address.length
        ? el("small", { class: "same-address status warn" }, fill(T("admin.same_address"), e.same_address.join(", "))) : null),
      el("td", {}, counter),
      el("td", {},
        el("button", { class: "approve", onclick: () => save(() => api("POST", base + "/approve",
          e.kind === "pad" ? { counter: parseInt(counter.value, 10) || 0 } : {})) }, T("admin.approve")),
        el("button", { class: "reject", onclick: () => save(() => api("POST", base + "/reject")) }, T("admin.reject"))));
  }

  async function loadAll(saved) {
    const [hall, users, devices, set, enrols] = await Promise.all([
      api("GET", "/api/v1/hall"), api("GET", "/api/v1/users"), api("GET", "/api/v1/devices"), api("GET", "/api/v1/settings"),
      api("GET", "/api/v1/enrolments")]);
    const pending = enrols.enrolments.filter((e) => e.state === "pending");
    refreshRows($("enrolments"), pending.length ? pending.map((e) => keyed(e.id)(enrolRow(e)))
      : [el("tr", {}, el("td", { colspan: 6 }, T("admin.none_pending")))], saved);
    $("reject-all").hidden = pending.length === 0;
    $("reject-all").onclick = async () => {
      if (await askConfirm(fill(T("admin.confirm_reject_all"), pending.length))) {
        save(() => api("POST", "/api/v1/enrolments/reject-pending"));
      }
    };
    settings = set;
    HallFmt.sync(hall.hall.now, hall.hall.time_zone);
    const now = HallFmt.now();
    refreshRows($("services"), [...hall.services.map((s) => keyed(s.code)(serviceRow(s))), keyed("+")(serviceRow({}))], saved);
    refreshRows($("counters"), [...hall.counters.map((c) => keyed(c.id)(counterRow(c))), keyed("+")(counterRow({}))], saved);
    refreshRows($("users"), [...users.users.map((u) => keyed(u.username)(userRow(u))), keyed("+")(userRow({ role: "officer" }))], saved);
    refreshRows($("devices"), devices.devices.map((d) => keyed(d.name)(deviceRow(d, now))), saved);
    show("set-name", set.name); show("set-base-url", set.base_url);
    show("set-language", set.language); show("set-policy", set.priority_policy);
    show("set-interleave", set.interleave_n); show("set-aging", set.aging_minutes); show("set-recalls", set.max_recalls);
    show("set-scale", set.rating_scale.map((l) => l.score + "=" + l.name + (l.name_en ? " | " + l.name_en : "")).join("\n"));
    show("set-satmin", set.satisfied_min); show("set-closing", set.closing_time);
    show("set-retention", set.booking_retention_days);
    show("set-tsat", set.target_satisfied_pct); show("set-tover", set.target_over_wait_pct);
    show("set-public", set.public_display);
    show("notice", set.notice);
    if (saved instanceof HTMLFormElement) saved.reset();
    checkBaseURL(); showNotice();
    setOptions($("preview-service"), hall.services.map((s) => [s.code, s.code + " — " + s.name]));
    showPreview();
  }

  function showPreview() {
    const code = $("preview-service").value;
    if (code) $("preview").src = "/api/v1/ticket-preview?service=" + encodeURIComponent(code) + "&t=" + Date.now();
  }
  $("preview-service").addEventListener("change", showPreview);

  $("device-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const res = await api("POST", "/api/v1/devices", {
        name: $("device-name").value.trim(), kind: $("device-kind").value, counter: parseInt($("device-counter").value, 10) || 0 });
      $("new-token").textContent = res.token;
      $("new-token-box").hidden = false;
      $("device-name").value = "";
      await loadAll();
    } catch (e) { flash(T("admin.error") + ": " + errorText(e), true); }
  });

  // A base URL naming this machine's loopback works only on the server
  // itself: the QR codes would lead phones nowhere. Say so as it is typed.
  function checkBaseURL() {
    let host = "";
    try { host = new URL($("set-base-url").value.trim()).hostname; } catch (e) { /* not a URL yet */ }
    $("base-url-warn").hidden = !/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i.test(host);
  }
  $("set-base-url").addEventListener("input", checkBaseURL);

  $("settings-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    save(() => {
      const s = Object.assign({}, settings, {
        name: $("set-name").value, language: $("set-language").value, priority_policy: $("set-policy").value,
        base_url: $("set-base-url").value.trim(),
        interleave_n: parseInt($("set-interleave").value, 10) || 0, aging_minutes: parseInt($("set-aging").value, 10) || 0,
        max_recalls: parseInt($("set-recalls").value, 10) || 0, satisfied_min: parseInt($("set-satmin").value, 10) || 0,
        closing_time: $("set-closing").value.trim(), public_display: $("set-public").checked,
        booking_retention_days: parseInt($("set-retention").value, 10) || 0,
        target_satisfied_pct: parseInt($("set-tsat").value, 10) || 0, target_over_wait_pct: parseInt($("set-tover").value, 10) || 0,
        rating_scale: $("set-scale").value.split("\n").map((x) => x.trim()).filter(Boolean).map((line) => {
          const [score, rest] = line.split("=");
          const [name, nameEn] = (rest || "").split("|").map((y) => y.trim());
          return { score: parseInt(score, 10), name: name || "", name_en: nameEn || "" };
        }),
      });
      return api("PUT", "/api/v1/settings", s);
    }, ev.target);
  });

  // The notice as the hall TV runs it: its lines one after the other,
  // separated by a dot (the TV's marquee is one line).
  function showNotice() {
    const text = $("notice").value;
    const line = text.split(/\n+/).map((x) => x.trim()).filter(Boolean).join(" • ");
    $("notice-preview").textContent = line || T("admin.notice_none");
    $("notice-preview").parentElement.classList.toggle("empty", !line);
    $("notice-count").textContent = "(" + fill(T("admin.notice_count"), text.length) + ")";
  }
  $("notice").addEventListener("input", showNotice);
  $("notice-clear").addEventListener("click", () => { $("notice").value = ""; showNotice(); $("notice").focus(); });
  $("notice-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    save(() => api("POST", "/api/v1/notice", { text: $("notice").value.trim() }), ev.target);
  });

  loadAll().catch((e) => flash(T("admin.error") + ": " + errorText(e), true));
})();
