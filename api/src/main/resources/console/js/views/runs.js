// Runs: a table with filters, paging by the API's cursor, updating live on the first page.
import { get, query } from '../api.js';
import { h, clear, duration, shortId } from '../dom.js';
import { alert } from '../app.js';

const STATUSES = ['', 'queued', 'running', 'retrying', 'completed', 'failed', 'cancelled', 'timed_out', 'missed'];

const pad = (n) => String(n).padStart(2, '0');

/** A local time as 2026-03-01 09:00:05: cheaper than Intl for a thousand rows, and unambiguous. */
function stamp(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function cell(cls, content) {
  const c = document.createElement('div');
  c.setAttribute('role', 'cell');
  c.className = cls;
  if (content instanceof Node) c.append(content);
  else c.textContent = content;
  return c;
}

/** Rows of the runs list (ARIA rows of cells, built without helpers: a page of 1,000 must be quick). */
export function rows(runs) {
  const frag = document.createDocumentFragment();
  for (const r of runs) {
    const row = document.createElement('div');
    row.setAttribute('role', 'row');
    row.className = 'row';
    const link = document.createElement('a');
    link.href = `#/runs/${encodeURIComponent(r.run_id)}`;
    link.textContent = shortId(r.run_id);
    const status = document.createElement('span');
    status.className = `badge s-${r.status}`;
    status.textContent = r.status ? r.status.replace(/_/g, ' ') : '–';
    row.append(cell('cell mono', link), cell('cell', r.job_name), cell('cell', r.tenant_id || '–'), cell('cell', status),
      cell('cell num', String(r.attempt ?? '')), cell('cell', stamp(r.requested_at)),
      cell('cell num', duration(r.duration_seconds)), cell('cell num', r.progress == null ? '' : `${r.progress}%`));
    frag.append(row);
  }
  return frag;
}

/** The list the rows go in, with its header row. */
export function runsTable(body) {
  return h('div', { id: 'runs-table', role: 'table', class: 'rows-grid', 'aria-label': 'Runs' },
    h('div', { role: 'rowgroup' }, h('div', { role: 'row', class: 'row head' },
      ['Run', 'Job', 'Tenant', 'Status', 'Attempt', 'Requested', 'Duration', 'Progress']
        .map((t) => h('div', { role: 'columnheader', class: 'cell' }, t)))), body);
}

export async function render(root, { query: q }) {
  const input = (name, attrs = {}) => h('input', { name, value: q.get(name) || '', ...attrs });
  const jobs = await get('/jobs').catch(() => []);
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter runs' },
    h('label', {}, 'Job', h('select', { name: 'job' }, h('option', { value: '' }, 'any'),
      jobs.map((j) => h('option', { value: j.name, selected: q.get('job') === j.name }, j.name)))),
    h('label', {}, 'Tenant', input('tenant')),
    h('label', {}, 'Status', h('select', { name: 'status' },
      STATUSES.map((s) => h('option', { value: s, selected: q.get('status') === s }, s || 'any')))),
    h('label', {}, 'Schedule', input('schedule')),
    h('label', {}, 'Chain run', input('chain_run')),
    h('label', {}, 'From', input('from', { type: 'datetime-local' })),
    h('label', {}, 'To', input('to', { type: 'datetime-local' })),
    h('label', {}, 'Per page', h('select', { name: 'limit' }, [50, 100, 500].map((n) => h('option', { value: n }, String(n))))),
    h('button', { type: 'submit' }, 'Apply'));
  const live = h('input', { type: 'checkbox', id: 'live', checked: true });
  const status = h('div', { role: 'status', class: 'muted' });
  const prev = h('button', { type: 'button', class: 'secondary', disabled: true }, '← Newer');
  const next = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Older →');
  const results = h('div', {});
  root.append(h('h1', {}, 'Runs'), form,
    h('div', { class: 'pager' }, prev, next, h('label', { for: 'live', style: 'margin:0;font-weight:400' }, live, ' Live (first page)'), status),
    results);

  let cursors = [null]; // the cursor of each page shown so far
  const filters = () => {
    const data = Object.fromEntries(new FormData(form));
    for (const k of ['from', 'to']) if (data[k]) data[k] = new Date(data[k]).toISOString();
    return data;
  };
  const load = async () => {
    const cursor = cursors[cursors.length - 1];
    try {
      const t0 = performance.now();
      const page = await get(`/jobs/runs${query({ ...filters(), cursor })}`);
      const body = h('div', { role: 'rowgroup' });
      body.append(rows(page.runs));
      clear(results).append(page.runs.length
        ? h('div', { class: 'table-wrap' }, runsTable(body))
        : h('p', {}, 'No runs match.'));
      status.textContent = `${page.runs.length} runs, shown in ${Math.round(performance.now() - t0)} ms`;
      next.disabled = !page.next_cursor;
      next.onclick = () => { cursors.push(page.next_cursor); load(); };
      prev.disabled = cursors.length < 2;
    } catch (e) {
      clear(results).append(alert(e));
    }
  };
  prev.onclick = () => { cursors.pop(); load(); };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); cursors = [null]; load(); });
  await load();
  const timer = setInterval(() => { if (live.checked && cursors.length === 1) load(); }, 3000);
  return () => clearInterval(timer);
}
