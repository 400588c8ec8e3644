// Small DOM helpers: elements are built with h(), never from HTML strings, so no data is ever markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'style') el.style.cssText = v; // CSSOM: the page's policy refuses style attributes
    else if (k === 'value' || k === 'checked' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, children);
  return el;
}

export function add(el, children) {
  for (const c of [children].flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function badge(status) {
  return status ? h('span', { class: `badge s-${status}` }, status.replace(/_/g, ' ')) : h('span', { class: 'muted' }, '–');
}

const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
const zones = new Map();
function zoned(zone) {
  if (!zones.has(zone)) zones.set(zone, new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'long', timeZone: zone }));
  return zones.get(zone);
}

/** An instant in the viewer's zone (or in {@code zone}), '–' for none. */
export function when(iso, zone) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  if (!zone) return local.format(d);
  try {
    return zoned(zone).format(d);
  } catch {
    return local.format(d);
  }
}

// A run's (or chain run's) short id: its last 8 characters. New ids start with their time, so runs
// made in the same minute share their first characters; the end is random.
export function shortId(id) {
  return id.slice(-8);
}

export function duration(seconds) {
  if (seconds == null) return '–';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return m < 120 ? `${m} min ${Math.round(seconds % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function json(value) {
  return h('pre', {}, value == null ? 'null' : JSON.stringify(value, null, 2));
}

/** A field of a form: label, control, hint and a place for its error. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const error = h('div', { class: 'field-error', id: `${id}-error`, role: 'status' });
  control.setAttribute('aria-describedby', `${id}-error`);
  return h('div', { class: 'field' }, h('label', { for: id }, label, hint ? h('span', { class: 'hint' }, ` ${hint}`) : null),
    control, error);
}

export function setFieldError(control, message) {
  const error = document.getElementById(`${control.id}-error`);
  if (message) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
  if (error) error.textContent = message || '';
}

export function table(headers, rows) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows)));
}

export function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}
