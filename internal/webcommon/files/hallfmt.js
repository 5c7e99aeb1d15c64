// hallq: times and dates as the hall writes them — in the hall's time zone
// (never the browser's), 24-hour, day/month/year — and counts in words
// with the right plural. Shared by every page of the hall server.
"use strict";

const HallFmt = {
  // zone is the hall's IANA time zone (e.g. Asia/Ho_Chi_Minh), once known.
  zone: "",
  // offset is the hall's UTC offset in minutes as last seen in a time the
  // server wrote (used while the zone's name is not known).
  offset: null,
  // skew is the server's clock minus this browser's, in ms.
  skew: 0,

  // sync takes the server's "now" (RFC 3339, written in the hall's zone)
  // and, if known, the hall's zone name.
  sync(isoNow, zone) {
    if (zone) this.zone = zone;
    if (isoNow) {
      this.skew = new Date(isoNow) - Date.now();
      this.learn(isoNow);
    }
  },

  // learn takes the hall's UTC offset from a time the server wrote.
  learn(iso) {
    const m = typeof iso === "string" && /([+-])(\d\d):(\d\d)$/.exec(iso);
    if (m) this.offset = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  },

  // parts of an instant in the hall's zone: by the zone's name if known,
  // else by the offset written in iso (the server writes every time in
  // the hall's zone), else by the last offset learnt.
  parts(when, iso) {
    const d = when instanceof Date ? when : new Date(when);
    if (isNaN(d)) return null;
    if (this.zone) {
      try {
        const f = new Intl.DateTimeFormat("en-GB", {
          timeZone: this.zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
          hour: "2-digit", minute: "2-digit", second: "2-digit",
        });
        const p = {};
        for (const x of f.formatToParts(d)) p[x.type] = x.value;
        return { y: p.year, mo: p.month, d: p.day, h: p.hour, m: p.minute, s: p.second };
      } catch (e) { /* unknown zone: fall back to the offset */ }
    }
    let off = this.offset || 0;
    const m = typeof iso === "string" && /([+-])(\d\d):(\d\d)$/.exec(iso);
    if (m) off = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
    const t = new Date(d.getTime() + off * 60000);
    const p2 = (n) => String(n).padStart(2, "0");
    return { y: String(t.getUTCFullYear()), mo: p2(t.getUTCMonth() + 1), d: p2(t.getUTCDate()),
      h: p2(t.getUTCHours()), m: p2(t.getUTCMinutes()), s: p2(t.getUTCSeconds()) };
  },

  // time "08:15" of an RFC 3339 string or a Date.
  time(iso) { const p = iso && this.parts(iso, iso); return p ? p.h + ":" + p.m : ""; },
  // seconds "08:15:07".
  timeS(iso) { const p = iso && this.parts(iso, iso); return p ? p.h + ":" + p.m + ":" + p.s : ""; },
  // date "27/11/2026".
  date(iso) { const p = iso && this.parts(iso, iso); return p ? p.d + "/" + p.mo + "/" + p.y : ""; },
  // dateTime "08:15 27/11/2026".
  dateTime(iso) { return iso ? this.time(iso) + " " + this.date(iso) : ""; },
  // now is the server's clock, as a Date.
  now() { return new Date(Date.now() + this.skew); },

  // plural picks forms[0] for one and forms[1] otherwise, and puts n in
  // place of %d ("khoảng %d phút" has one form; "about %d minute(s)" two).
  plural(n, forms) {
    const f = Array.isArray(forms) ? (n === 1 ? forms[0] : forms[forms.length - 1]) : forms;
    return String(f).replace("%d", n);
  },

  // isoDay turns "27/11/2026" (or "2026-11-27") into "2026-11-27"; "" if
  // it is not a date.
  isoDay(s) {
    s = String(s || "").trim();
    let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
    if (m) s = m[3] + "-" + m[2].padStart(2, "0") + "-" + m[1].padStart(2, "0");
    m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    if (!m) return "";
    const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3] ? s : "";
  },
  // dayText turns "2026-11-27" into "27/11/2026".
  dayText(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ""));
    return m ? m[3] + "/" + m[2] + "/" + m[1] : "";
  },
};
