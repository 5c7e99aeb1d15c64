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
  },
  en: {
    prompt: "Please choose your procedure",
    waiting: n => `Waiting: ${n}`,
    wait: s => s > 0 ? ` · Estimated wait: about ${Math.max(1, Math.ceil(s / 60))} minutes` : "",
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
  if (!hall) return;
  $("hall").textContent = hall.name;
  const st = hall.status || {};
  const banner = st.paper_out ? t.errors.paper_out : st.server_down || hall.stale ? t.errors.unreachable : st.fault ? t.errors.printer : "";
  $("banner").hidden = !banner;
  $("banner").textContent = banner;
  const main = $("services");
  const buttons = hall.services.map(s => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "svc";
    b.dataset.service = s.code;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = lang === "en" && s.name_en ? s.name_en : s.name;
    const sub = document.createElement("span");
    sub.className = "sub";
    sub.textContent = s.open ? t.waiting(s.waiting) + t.wait(s.estimated_wait_s) : (t.closed[s.closed_reason] || t.closedOther);
    b.append(name, sub);
    b.disabled = !s.open || busy;
    b.addEventListener("click", () => take(s.code));
    return b;
  });
  main.replaceChildren(...buttons);
}

async function refresh() {
  try {
    const r = await fetch("hall.json", { cache: "no-store" });
    if (r.ok) { hall = await r.json(); render(); }
  } catch (e) { /* the kiosk restarts: keep the last view */ }
}

function show(head, number, text, error) {
  $("card").className = error ? "error" : "";
  $("card-head").textContent = head;
  $("card-number").textContent = number;
  $("card-text").textContent = text;
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

$("lang").addEventListener("click", () => { lang = lang === "vi" ? "en" : "vi"; render(); });
$("priority").addEventListener("click", () => { priority = !priority; render(); });
$("overlay").addEventListener("click", () => { $("overlay").hidden = true; });
refresh();
setInterval(refresh, 5000);
