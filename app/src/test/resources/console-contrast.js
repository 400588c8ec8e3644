// WCAG 2.1 contrast (1.4.3) of every piece of text the page shows, from the browser's computed colours:
// the text's colour over the background colours of its element and all it stands on, composited from
// the page's white canvas up, with opacity and alpha. Needs 4.5:1, or 3:1 for large text (24 px, or
// 18.66 px bold). Disabled controls are exempt (WCAG: inactive user interface components).
// Run as a WebDriver script; returns {checked, failures: [{text, where, fg, bg, ratio, needed}]}.
const parse = (css) => {
  const m = css.match(/rgba?\(([^)]+)\)/);
  if (!m) return null;
  const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
};
// colour c (with its alpha times extra) laid over the opaque colour under
const over = (c, under, extra = 1) => {
  const a = c[3] * extra;
  return [0, 1, 2].map((i) => c[i] * a + under[i] * (1 - a)).concat(1);
};
const luminance = (c) => {
  const [r, g, b] = c.slice(0, 3).map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const ratio = (a, b) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};
const hex = (c) => `#${c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;

// the colour under el's text: its own background and every ancestor's, from the canvas up
const backdrop = (el) => {
  const chain = [];
  for (let e = el; e && e.nodeType === 1; e = e.parentElement) chain.unshift(e);
  let under = [255, 255, 255, 1];
  let opacity = 1;
  for (const e of chain) {
    const s = getComputedStyle(e);
    opacity *= Number(s.opacity);
    const bg = parse(s.backgroundColor);
    if (bg && bg[3] > 0) under = over(bg, under, opacity);
  }
  return { under, opacity };
};

const visible = (el) => {
  const s = getComputedStyle(el);
  if (s.visibility === 'hidden' || s.display === 'none') return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && el.getClientRects().length > 0;
};
const disabled = (el) => Boolean(el.closest(':disabled, [aria-disabled="true"]'));
const where = (el) => {
  const parts = [];
  for (let e = el; e && e.nodeType === 1 && parts.length < 4; e = e.parentElement) {
    parts.unshift(e.tagName.toLowerCase() + (e.id ? `#${e.id}` : '')
      + (e.className && typeof e.className === 'string' ? `.${e.className.trim().split(/\s+/).join('.')}` : ''));
    if (e.id) break;
  }
  return parts.join(' > ');
};

const failures = [];
let checked = 0;
const check = (el, text, colour, size, weight) => {
  const { under, opacity } = backdrop(el);
  const fg = over(parse(colour), under, opacity);
  const large = size >= 24 || (size >= 18.66 && weight >= 700);
  const needed = large ? 3 : 4.5;
  const r = ratio(fg, under);
  checked += 1;
  if (r < needed) {
    failures.push({ text: text.slice(0, 60), where: where(el), fg: hex(fg), bg: hex(under),
      ratio: Math.round(r * 100) / 100, needed });
  }
};

for (const el of document.querySelectorAll('body *')) {
  if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'OPTION'].includes(el.tagName) || !visible(el) || disabled(el)) continue;
  const s = getComputedStyle(el);
  const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
  if (own) check(el, own, s.color, parseFloat(s.fontSize), Number(s.fontWeight));
  const field = ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) && !['checkbox', 'radio', 'hidden'].includes(el.type);
  if (field && el.tagName === 'SELECT' && el.selectedOptions.length) {
    check(el, el.selectedOptions[0].text, s.color, parseFloat(s.fontSize), Number(s.fontWeight));
  } else if (field && el.value) {
    check(el, el.value, s.color, parseFloat(s.fontSize), Number(s.fontWeight));
  } else if (field && el.placeholder) {
    const p = getComputedStyle(el, '::placeholder');
    check(el, `placeholder: ${el.placeholder}`, p.color, parseFloat(p.fontSize), Number(p.fontWeight));
  }
}
return { checked, failures };
