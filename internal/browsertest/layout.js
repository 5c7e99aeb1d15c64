// The layout check run in the page (see layout.go): it returns a list of
// problems, each naming the element and what is wrong with its geometry.
(spec) => {
  const problems = [];
  const de = document.documentElement;
  const vw = de.clientWidth, vh = de.clientHeight;
  const px = (v) => Math.round(v * 10) / 10;
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    else if (typeof el.className === "string" && el.className.trim()) s += "." + el.className.trim().split(/\s+/).join(".");
    const t = (el.innerText || el.textContent || "").trim().replace(/\s+/g, " ");
    return t ? s + ' "' + (t.length > 40 ? t.slice(0, 39) + "…" : t) + '"' : s;
  };
  const box = (r) => `[${px(r.left)},${px(r.top)} – ${px(r.right)},${px(r.bottom)}]`;
  const all = (sel) => {
    const els = [...document.querySelectorAll(sel)];
    if (!els.length) problems.push(`${sel}: no such element`);
    return els;
  };
  // Text boxes of an element's text, one per line fragment.
  const textRects = (el) => {
    const rects = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) if (r.width > 0 && r.height > 0) rects.push({ r, n });
    }
    return rects;
  };

  for (const sel of spec.seen || []) {
    for (const el of all(sel)) {
      const r = el.getBoundingClientRect();
      const st = getComputedStyle(el);
      if (r.width < 1 || r.height < 1 || st.visibility !== "visible") {
        problems.push(`${sel}: ${describe(el)} is not shown`);
        continue;
      }
      if (r.left < -0.5 || r.top < -0.5 || r.right > vw + 0.5 || r.bottom > vh + 0.5) {
        problems.push(`${sel}: ${describe(el)} at ${box(r)} is not inside the ${vw}×${vh} viewport`);
        continue;
      }
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (!hit || !(hit === el || el.contains(hit))) {
        problems.push(`${sel}: ${describe(el)} is covered at its centre by ${hit ? describe(hit) : "nothing"}`);
      }
      // Clipped by an ancestor that hides overflow: the box is there, the
      // pixels are not.
      for (let a = el.parentElement; a && a !== de; a = a.parentElement) {
        const as = getComputedStyle(a);
        if (as.overflowX === "visible" && as.overflowY === "visible") continue;
        const ar = a.getBoundingClientRect();
        if (r.left < ar.left - 0.5 || r.right > ar.right + 0.5 || r.top < ar.top - 0.5 || r.bottom > ar.bottom + 0.5) {
          problems.push(`${sel}: ${describe(el)} at ${box(r)} is cut by ${describe(a)} at ${box(ar)}`);
          break;
        }
      }
    }
  }

  // Text on one line: every piece of text's middle lies within every
  // other's height (a big number and a small arrow on one baseline pass;
  // a counter number that broke below its arrow does not).
  for (const sel of spec.one_line || []) {
    for (const el of all(sel)) {
      const rects = textRects(el).map((x) => x.r);
      const bad = rects.some((a) => rects.some((b) => {
        const mid = (a.top + a.bottom) / 2;
        return mid < b.top - 0.5 || mid > b.bottom + 0.5;
      }));
      if (bad) problems.push(`${sel}: ${describe(el)} does not fit on one line`);
    }
  }

  // Whole: the content is not cut or ellipsised.
  for (const sel of spec.whole || []) {
    for (const el of all(sel)) {
      if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
        problems.push(`${sel}: ${describe(el)} is cut: its content is ${el.scrollWidth}×${el.scrollHeight}, its box ${el.clientWidth}×${el.clientHeight}`);
      }
    }
  }

  // No horizontal overflow: nothing wider than the viewport.
  if (de.scrollWidth > vw + 0.5 || document.body.scrollWidth > vw + 0.5) {
    const wide = [...document.body.querySelectorAll("*")]
      .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > vw + 0.5; })
      .filter((e, _, arr) => !arr.some((o) => o !== e && o.contains(e)))
      .slice(0, 3).map((e) => describe(e) + " to x=" + px(e.getBoundingClientRect().right));
    problems.push(`the page is ${Math.max(de.scrollWidth, document.body.scrollWidth)} px wide in a ${vw} px viewport: ${wide.join("; ")}`);
  }

  // The smallest text, in CSS px as drawn (SVG text scaled by its SVG's
  // transform to the screen).
  if (spec.min_font_px > 0) {
    const scopes = spec.font_scope ? [...document.querySelectorAll(spec.font_scope)] : [document.body];
    if (!scopes.length) problems.push(`${spec.font_scope}: no such element`);
    const seen = new Set();
    for (const scope of scopes) {
      for (const { n } of textRects(scope)) {
        const el = n.parentElement;
        if (!el || seen.has(el)) continue;
        seen.add(el);
        if (getComputedStyle(el).visibility !== "visible") continue;
        let size = parseFloat(getComputedStyle(el).fontSize);
        if (el instanceof SVGElement && el.getScreenCTM) {
          const m = el.getScreenCTM();
          if (m) size *= Math.sqrt(m.a * m.a + m.b * m.b);
        }
        if (size < spec.min_font_px - 0.05) {
          problems.push(`text ${describe(el)} is ${px(size)} px, under ${spec.min_font_px} px`);
        }
      }
    }
  }
  return problems;
}
