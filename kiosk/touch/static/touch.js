// The kiosk's touch page. Every text is in T, one table per language.
"use strict";

const T = {
  vi: {
    prompt: "Mời chọn lĩnh vực cần giải quyết",
    waiting: n => `Đang chờ: ${n} người`,
    wait: s => s > 0 ? ` · Thời gian chờ dự kiến: khoảng ${Math.max(1, Math.ceil(s / 60))} phút` : "",
    closed: { outside_hours: "Ngoài giờ làm việc", daily_cap: "Hết số thứ tự hôm nay" },
    closedOther: "Tạm ngừng cấp số",
    priority: "Đối tượng ưu tiên (người cao tuổi, khuyết tật, phụ nữ mang thai…)",
    printing: "Đang in phiếu…",
    yourNumber: "Số thứ tự của bạn",
    ahead: n => `Số người đang chờ trước bạn: ${n}`,
    keep: "Vui lòng nhận phiếu và chú ý màn hình",
    errors: {
      paper_out: "Máy in hết giấy — vui lòng báo cán bộ",
      printer: "Máy in đang gặp sự cố — vui lòng báo cán bộ",
      print_failed: "Không in được phiếu — vui lòng báo cán bộ",
      unreachable: "Mất kết nối máy chủ",
      busy: "Máy đang bận, vui lòng thử lại",
      daily_cap: "Hết số thứ tự hôm nay",
      outside_hours: "Ngoài giờ làm việc",
      other: "Không lấy được số thứ tự",
    },
    sorry: "Xin lỗi",
    lang: "English",
    enrolHead: "Thiết bị chưa được đăng ký",
    enrolText: "Mã đăng ký ở trên: báo mã này cho quản trị viên để duyệt",
    enrolRejected: "Quản trị viên đã từ chối thiết bị này; sẽ hỏi lại sau",
    booking: "Tôi đã đặt lịch hẹn",
    kpTitle: "Nhập mã lịch hẹn hoặc quét mã QR",
    kpHint: "Mã gồm chữ và số, ví dụ K7M2QX",
    kpOK: "Xác nhận",
    kpCancel: "Đóng",
    kpDel: "Xoá",
    checking: "Đang kiểm tra lịch hẹn…",
    slot: s => `Lịch hẹn ${s}`,
    walkIn: "Lấy số thứ tự thông thường",
    walkInFor: name => `Lấy số thứ tự thông thường: ${name}`,
    booked: {
      too_early: ["Chưa đến giờ hẹn", () => "Vui lòng quay lại gần giờ hẹn."],
      too_late: ["Đã quá giờ hẹn", () => "Mời chọn lĩnh vực để lấy số thứ tự thông thường."],
      cancelled: ["Lịch hẹn đã bị huỷ", () => "Mời chọn lĩnh vực để lấy số thứ tự thông thường."],
      unknown_code: ["Không tìm thấy lịch hẹn", c => `Không có lịch hẹn nào với mã ${c}. Vui lòng kiểm tra lại mã hoặc báo cán bộ.`],
      bad_code: ["Mã không hợp lệ", () => "Mã lịch hẹn gồm chữ và số, ví dụ K7M2QX."],
    },
  },
  en: {
    prompt: "Please choose your procedure",
    waiting: n => `Waiting: ${n}`,
    wait: s => {
      if (s <= 0) return "";
      const m = Math.max(1, Math.ceil(s / 60));
      return ` · Estimated wait: about ${m} minute${m === 1 ? "" : "s"}`;
    },
    closed: { outside_hours: "Outside opening hours", daily_cap: "No more numbers today" },
    closedOther: "Not taking numbers now",
    priority: "Priority visitor (elderly, disabled, pregnant…)",
    printing: "Printing your ticket…",
    yourNumber: "Your number",
    ahead: n => `People ahead of you: ${n}`,
    keep: "Please take your ticket and watch the screen",
    errors: {
      paper_out: "Printer out of paper — please tell an officer",
      printer: "The printer has a problem — please tell an officer",
      print_failed: "The ticket could not be printed — please tell an officer",
      unreachable: "Cannot reach the hall server",
      busy: "Busy, please try again",
      daily_cap: "No more numbers today",
      outside_hours: "Outside opening hours",
      other: "Could not take a number",
    },
    sorry: "Sorry",
    lang: "Tiếng Việt",
    enrolHead: "This device is not enrolled yet",
    enrolText: "The enrolment code is above: tell the administrator this code to approve it",
    enrolRejected: "The administrator rejected this device; it will ask again later",
    booking: "I have a booking",
    kpTitle: "Type your booking code or scan its QR code",
    kpHint: "Letters and digits, e.g. K7M2QX",
    kpOK: "OK",
    kpCancel: "Close",
    kpDel: "Delete",
    checking: "Checking your booking…",
    slot: s => `Appointment ${s}`,
    walkIn: "Take an ordinary number",
    walkInFor: name => `Take an ordinary number for ${name}`,
    booked: {
      too_early: ["Too early for your booking", () => "Please come back closer to your time."],
      too_late: ["Your booked time has passed", () => "Please choose a procedure for an ordinary number."],
      cancelled: ["This booking was cancelled", () => "Please choose a procedure for an ordinary number."],
      unknown_code: ["Booking not found", c => `There is no booking with the code ${c}. Please check the code or ask an officer.`],
      bad_code: ["Not a booking code", () => "A booking code is letters and digits, e.g. K7M2QX."],
    },
  },
};

let lang = "vi";
let hall = null;
let priority = false;
let busy = false;
let hideTimer = null;
const $ = id => document.getElementById(id);

function render() {
  const t = T[lang];
  document.documentElement.lang = lang;
  $("prompt").textContent = t.prompt;
  $("lang").textContent = t.lang;
  $("priority").textContent = t.priority;
  $("priority").hidden = !(hall && hall.priority);
  $("priority").setAttribute("aria-pressed", String(priority));
  $("booking").textContent = t.booking;
  $("booking").hidden = !(hall && hall.booking);
  $("kp-title").textContent = t.kpTitle;
  $("kp-hint").textContent = t.kpHint;
  $("kp-ok").textContent = t.kpOK;
  $("kp-cancel").textContent = t.kpCancel;
  $("kp-del").textContent = t.kpDel;
  if (!hall) return;
  $("hall").textContent = hall.name;
  const st = hall.status || {};
  // Waiting for the admin's approval: the code, and nothing to touch.
  const enrolling = !!(st.enrol_code || st.enrol_rejected);
  if (enrolling) {
    show(t.enrolHead, st.enrol_code || "—", st.enrol_rejected ? t.enrolRejected : t.enrolText, false);
    $("overlay").dataset.enrol = "1";
  } else if ($("overlay").dataset.enrol) {
    delete $("overlay").dataset.enrol;
    $("overlay").hidden = true;
  }
  const banner = st.paper_out ? t.errors.paper_out : st.server_down || hall.stale ? t.errors.unreachable : st.fault ? t.errors.printer : "";
  $("banner").hidden = !banner;
  $("banner").textContent = banner;
  // The buttons are kept and updated in place: were they replaced on each
  // refresh, a touch that began on the old button and ended on the new one
  // would give no ticket.
  const main = $("services");
  const have = Array.from(main.children, b => b.dataset.service).join(",");
  if (have !== hall.services.map(s => s.code).join(",")) {
    main.replaceChildren(...hall.services.map(s => serviceButton(s.code)));
  }
  hall.services.forEach((s, i) => {
    const b = main.children[i];
    b.querySelector(".name").textContent = lang === "en" && s.name_en ? s.name_en : s.name;
    const count = b.querySelector(".count"), est = b.querySelector(".est");
    count.textContent = s.open ? t.waiting(s.waiting) : t.closed[s.closed_reason] || t.closedOther;
    est.textContent = s.open ? t.wait(s.estimated_wait_s) : "";
    b.disabled = !s.open || busy || enrolling;
  });
  $("booking").disabled = busy || enrolling;
  layout();
}

// serviceButton makes the button of service code: its name, and under it
// the people waiting and the estimated wait (or why it is closed).
function serviceButton(code) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "svc";
  b.dataset.service = code;
  const inner = document.createElement("span");
  inner.className = "in";
  const name = document.createElement("span");
  name.className = "name";
  const sub = document.createElement("span");
  sub.className = "sub";
  const count = document.createElement("span");
  count.className = "count";
  const est = document.createElement("span");
  est.className = "est";
  sub.append(count, est);
  inner.append(name, sub);
  b.append(inner);
  b.addEventListener("click", () => take(code));
  return b;
}

// layout places n buttons in the space between the header and the
// priority button: it tries every number of columns and keeps the one
// whose buttons are largest (a button is judged by the lesser of its width
// and three times its height, as a wide button reads best), then shrinks
// any text that still does not fit its button.
function layout() {
  const main = $("services");
  const n = main.children.length;
  if (!n) return;
  const gap = Math.round(Math.max(8, Math.min(innerWidth, innerHeight) * 0.022));
  main.style.setProperty("--gap", gap + "px");
  main.style.gridTemplateColumns = main.style.gridTemplateRows = "";
  const cs = getComputedStyle(main);
  const W = main.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  const H = main.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
  let best = null;
  for (let c = 1; c <= n; c++) {
    const r = Math.ceil(n / c);
    const bw = (W - (c - 1) * gap) / c, bh = (H - (r - 1) * gap) / r;
    const score = Math.min(bw, 3 * bh);
    if (!best || score > best.score) best = { c, r, bw, bh, score };
  }
  // A few services on a big screen: buttons of a sensible size, centred.
  const bh = Math.floor(Math.min(best.bh, Math.max(150, innerHeight * 0.24)));
  const bw = Math.floor(Math.min(best.bw, Math.max(520, bh * 4)));
  main.style.gridTemplateColumns = `repeat(${best.c}, ${bw}px)`;
  main.style.gridTemplateRows = `repeat(${best.r}, ${bh}px)`;
  for (const b of main.children) fit(b);
}

// fit shrinks a button's text until it fits; at the smallest size the
// estimated wait gives way to the name.
function fit(b) {
  const over = () => b.scrollHeight > b.clientHeight + 1 || b.scrollWidth > b.clientWidth + 1;
  const name = b.querySelector(".name"), sub = b.querySelector(".sub"), est = b.querySelector(".est");
  name.style.fontSize = sub.style.fontSize = "";
  if (est) est.hidden = false;
  for (let i = 0; i < 12 && over(); i++) {
    name.style.fontSize = parseFloat(getComputedStyle(name).fontSize) * 0.92 + "px";
    sub.style.fontSize = Math.max(12, parseFloat(getComputedStyle(sub).fontSize) * 0.94) + "px";
  }
  if (est && over()) est.hidden = true;
}

async function refresh() {
  try {
    const r = await fetch("hall.json", { cache: "no-store" });
    if (r.ok) {
      hall = await r.json();
      if (hall.code_keys && hall.code_keys !== codeKeys) {
        codeKeys = hall.code_keys;
        codeLen = hall.code_len || codeLen;
        buildKeypad();
      }
      render();
    }
  } catch (e) { /* the kiosk restarts: keep the last view */ }
}

// show puts up the card; action is the text of its button, which takes an
// ordinary number of service when one is given, else closes the card.
function show(head, number, text, error, action, service) {
  $("card").className = error ? "error" : "";
  $("card-head").textContent = head;
  $("card-number").textContent = number;
  $("card-text").textContent = text;
  $("card-action").textContent = action || "";
  $("card-action").hidden = !action;
  $("card-action").dataset.service = service || "";
  $("overlay").hidden = false;
  clearTimeout(hideTimer);
}

function hideLater(ms) {
  clearTimeout(hideTimer);
  hideTimer = setTimeout(() => { $("overlay").hidden = true; }, ms);
}

async function take(code) {
  if (busy) return; // one touch, one ticket
  busy = true;
  render();
  const t = T[lang];
  show(t.printing, "", "", false);
  let out = null;
  try {
    const r = await fetch("ticket", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Hallq-Kiosk": "1" },
      body: JSON.stringify({ service: code, priority }),
    });
    if (r.ok) out = await r.json();
  } catch (e) { /* shown below */ }
  if (out && out.ok) {
    show(t.yourNumber, out.label, t.ahead(out.ahead) + t.wait(out.estimated_wait_s) + ". " + t.keep, false);
  } else {
    const why = out ? (t.errors[out.server_reason] || t.errors[out.reason] || t.errors.other) : t.errors.unreachable;
    show(t.sorry, "", why, true);
  }
  priority = false;
  busy = false;
  hideLater(out && out.ok ? 8000 : 6000);
  refresh();
}

// The booking keypad: letters and digits as a keyboard lays them out. A QR
// scanner in keyboard mode types into it too, ending with Enter.
// Only the characters codes are made of get a key (the hall's codes
// leave out 0/O and 1/I/L, which are read one for the other).
const KEYS = ["1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"];
let codeKeys = "", codeLen = 6;
let code = "";
let keypadTimer = null;

function buildKeypad() {
  const rows = KEYS.map((row, i) => {
    const div = document.createElement("div");
    div.className = "kp-row";
    for (const ch of row) {
      if (codeKeys && !codeKeys.includes(ch)) continue;
      const b = document.createElement("button");
      b.type = "button";
      b.className = "kp-key";
      b.textContent = ch;
      b.dataset.key = ch;
      b.addEventListener("click", () => type(ch));
      div.append(b);
    }
    if (i === KEYS.length - 1) {
      const del = document.createElement("button");
      del.type = "button";
      del.id = "kp-del";
      del.className = "kp-key wide";
      del.addEventListener("click", erase);
      div.append(del);
    }
    return div;
  });
  $("kp-keys").replaceChildren(...rows);
}

function showCode() {
  $("kp-code").textContent = code;
  $("kp-ok").disabled = code.length < codeLen;
  // A citizen who walks away leaves no half code for the next one.
  clearTimeout(keypadTimer);
  keypadTimer = setTimeout(closeKeypad, 60000);
}

function openKeypad() {
  if (busy || (hall && hall.status && (hall.status.enrol_code || hall.status.enrol_rejected))) return;
  code = "";
  $("overlay").hidden = true;
  $("keypad").hidden = false;
  showCode();
}

function closeKeypad() {
  clearTimeout(keypadTimer);
  code = "";
  $("keypad").hidden = true;
}

function type(ch) {
  if (code.length < codeLen) code += ch;
  showCode();
}

function erase() {
  code = code.slice(0, -1);
  showCode();
}

async function checkIn() {
  if (busy || code.length < codeLen) return;
  const typed = code;
  closeKeypad();
  busy = true;
  render();
  const t = T[lang];
  show(t.checking, "", "", false);
  let out = null;
  try {
    const r = await fetch("checkin", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Hallq-Kiosk": "1" },
      body: JSON.stringify({ code: typed }),
    });
    if (r.ok) out = await r.json();
  } catch (e) { /* shown below */ }
  if (out && out.ok) {
    const slot = out.slot ? t.slot(out.slot) + ". " : "";
    show(t.yourNumber, out.label, slot + t.ahead(out.ahead) + t.wait(out.estimated_wait_s) + ". " + t.keep, false);
  } else if (out && t.booked[out.server_reason || out.reason]) {
    const why = out.server_reason || out.reason;
    const [head, text] = t.booked[why];
    let msg = text(typed);
    if (why === "too_early" && out.message) msg += " " + out.message;
    // Too late or cancelled: an ordinary number instead, at one touch
    // for the booking's service when it is open now.
    const walkIn = why === "too_late" || why === "cancelled";
    const svc = walkIn && hall && out.service ? hall.services.find(s => s.code === out.service && s.open) : null;
    const action = svc ? t.walkInFor(lang === "en" && svc.name_en ? svc.name_en : svc.name) : t.walkIn;
    show(head, "", msg, true, walkIn ? action : "", svc ? svc.code : "");
  } else {
    const why = out ? (t.errors[out.server_reason] || t.errors[out.reason] || t.errors.other) : t.errors.unreachable;
    show(t.sorry, "", why, true);
  }
  busy = false;
  hideLater(out && out.ok ? 8000 : 10000);
  refresh();
}

document.addEventListener("keydown", e => {
  if (e.ctrlKey || e.altKey || e.metaKey) return;
  const k = e.key.length === 1 ? e.key.toUpperCase() : e.key;
  const open = !$("keypad").hidden;
  if (/^[A-Z0-9]$/.test(k) && (!codeKeys || codeKeys.includes(k))) {
    if (!open) openKeypad();
    if (!$("keypad").hidden) type(k);
  } else if (open && k === "Backspace") {
    erase();
  } else if (open && k === "Enter") {
    checkIn();
  } else if (open && k === "Escape") {
    closeKeypad();
  } else {
    return;
  }
  e.preventDefault();
});

// A touched button keeps no focus: a QR scanner's Enter would press it
// again (the language button, after a touch on it, turned back).
document.addEventListener("click", e => {
  const b = e.target.closest && e.target.closest("button");
  if (b) b.blur();
});

buildKeypad();
$("booking").addEventListener("click", openKeypad);
$("kp-cancel").addEventListener("click", closeKeypad);
$("kp-ok").addEventListener("click", checkIn);
$("card-action").addEventListener("click", e => {
  e.stopPropagation();
  $("overlay").hidden = true;
  const service = $("card-action").dataset.service;
  if (service) take(service);
});
$("lang").addEventListener("click", () => { lang = lang === "vi" ? "en" : "vi"; render(); });
window.addEventListener("resize", layout);
document.fonts.ready.then(layout);
$("priority").addEventListener("click", () => { priority = !priority; render(); });
$("overlay").addEventListener("click", () => { $("overlay").hidden = true; });
refresh();
setInterval(refresh, 5000);
