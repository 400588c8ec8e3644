// The REST API as the console calls it: the bearer token from session storage on every call, and
// problem+json answers turned into errors that read as sentences.

const KEY = 'jobline.token';

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

let onUnauthorized = () => {};
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(describe(status, problem));
    this.status = status;
    this.problem = problem || {};
    this.field = this.problem.field;
    this.errors = this.problem.errors || [];
  }
}

/** "Bad request — limit must be between 1 and 500 (field: limit)". */
export function describe(status, problem) {
  const p = problem || {};
  const title = p.title || (status ? `HTTP ${status}` : 'Error');
  const detail = p.detail ? ` — ${p.detail}` : '';
  const field = p.field ? ` (field: ${p.field})` : '';
  return `${title}${detail}${field}`;
}

export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  const t = token.get();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let r;
  try {
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, { title: 'The API could not be reached', detail: String(e.message || e) });
  }
  const text = await r.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.slice(0, 300) };
    }
  }
  if (!r.ok) {
    if (r.status === 401) onUnauthorized(data);
    throw new ApiError(r.status, data || { title: r.statusText });
  }
  return data;
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body);
export const patch = (path, body) => call('PATCH', path, body);
export const del = (path) => call('DELETE', path);

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * Reads a server-sent events stream with fetch (EventSource cannot send the Authorization header, and
 * the token never goes into a URL), reconnecting from the last event id until an 'end' event or
 * until {@code signal} aborts. Calls onEvent(name, data, id).
 */
export async function stream(path, { lastEventId, onEvent, onError, signal }) {
  let last = lastEventId;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${token.get()}` };
      if (last) headers['Last-Event-ID'] = last;
      const r = await fetch(path, { headers, signal });
      if (!r.ok) {
        const text = await r.text();
        let p = {};
        try { p = JSON.parse(text); } catch { p = { detail: text }; }
        throw new ApiError(r.status, p);
      }
      failures = 0;
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      let event = { name: 'message', data: [], id: null };
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          if (line === '') {
            if (event.data.length) {
              if (event.id != null) last = event.id;
              const data = JSON.parse(event.data.join('\n'));
              onEvent(event.name, data, event.id);
              if (event.name === 'end') return;
            }
            event = { name: 'message', data: [], id: null };
          } else if (line.startsWith(':')) {
            // a heartbeat
          } else {
            const colon = line.indexOf(':');
            const key = colon < 0 ? line : line.slice(0, colon);
            const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (key === 'data') event.data.push(val);
            else if (key === 'event') event.name = val;
            else if (key === 'id') event.id = val;
          }
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429) {
        onError?.(e);
        return;
      }
      failures += 1;
      onError?.(e, failures);
    }
    if (signal.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(10000, 1000 * 2 ** Math.min(failures, 3))));
  }
}
