// Overview: runs per status over the last hour and day, failures first, backlog per tenant, health.
import { get, query } from '../api.js';
import { h, clear, badge, when, table } from '../dom.js';
import { alert } from '../app.js';

const STATUSES = ['failed', 'timed_out', 'missed', 'cancelled', 'retrying', 'running', 'queued', 'completed'];
const MAX_RUNS = 1000;

/** Runs requested since {@code from}, newest first, at most MAX_RUNS (two pages). */
async function recentRuns(from) {
  const runs = [];
  let cursor = null;
  do {
    const page = await get(`/jobs/runs${query({ from: from.toISOString(), limit: 500, cursor })}`);
    runs.push(...page.runs);
    cursor = page.next_cursor;
  } while (cursor && runs.length < MAX_RUNS);
  return { runs, more: Boolean(cursor) };
}

function counts(runs) {
  const by = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const r of runs) by[r.status] = (by[r.status] || 0) + 1;
  return by;
}

function chart(title, by, more) {
  const max = Math.max(1, ...Object.values(by));
  const total = Object.values(by).reduce((a, b) => a + b, 0);
  return h('section', { class: 'card', 'aria-label': title },
    h('h2', {}, title, h('span', { class: 'muted' }, ` — ${total}${more ? '+' : ''} runs`)),
    h('div', { class: 'bars', role: 'list' }, Object.entries(by).flatMap(([status, n]) => [
      h('span', { role: 'listitem' }, badge(status)),
      h('div', { class: `bar s-${status}`, style: `width:${(100 * n) / max}%`, 'aria-hidden': 'true' }),
      h('span', { class: 'num' }, String(n)),
    ])));
}

export async function render(root) {
  const body = h('div', {});
  root.append(h('h1', {}, 'Overview'), body);
  const refresh = async () => {
    const now = Date.now();
    let day;
    try {
      day = await recentRuns(new Date(now - 24 * 3600 * 1000));
    } catch (e) {
      clear(body).append(alert(e));
      return;
    }
    const hourAgo = now - 3600 * 1000;
    const hour = day.runs.filter((r) => r.requested_at && Date.parse(r.requested_at) >= hourAgo);
    const failures = day.runs.filter((r) => ['failed', 'timed_out', 'missed'].includes(r.status)).slice(0, 10);
    const backlog = new Map();
    for (const r of day.runs) {
      if (r.status === 'queued' || r.status === 'retrying') backlog.set(r.tenant_id || '(system)', (backlog.get(r.tenant_id || '(system)') || 0) + 1);
    }
    const health = await fetch('/admin/healthcheck').then((r) => r.json()).catch(() => null);
    clear(body).append(
      h('div', { class: 'cards' }, chart('Last hour', counts(hour), false), chart('Last 24 hours', counts(day.runs), day.more)),
      h('h2', {}, 'Failures and time-outs (last 24 hours)'),
      failures.length
        ? table(['Run', 'Job', 'Tenant', 'Status', 'Requested', 'Error'], failures.map((r) => h('tr', {},
          h('td', {}, h('a', { href: `#/runs/${encodeURIComponent(r.run_id)}` }, r.run_id.slice(0, 8))),
          h('td', {}, r.job_name), h('td', {}, r.tenant_id || '–'), h('td', {}, badge(r.status)),
          h('td', {}, when(r.requested_at)), h('td', {}, (r.error || '').slice(0, 160)))))
        : h('p', { class: 'muted' }, 'None.'),
      h('div', { class: 'cards' },
        h('section', { class: 'card' }, h('h2', {}, 'Backlog per tenant'),
          h('p', { class: 'muted' }, 'Runs requested in the last 24 hours that have not started yet.'),
          backlog.size ? table(['Tenant', 'Waiting'], [...backlog].map(([t, n]) => h('tr', {}, h('td', {}, t), h('td', { class: 'num' }, String(n)))))
            : h('p', {}, 'Nothing waiting.')),
        h('section', { class: 'card' }, h('h2', {}, 'Health of this process'),
          health ? h('ul', {}, Object.entries(health).map(([name, c]) => h('li', {},
            h('span', { class: `badge ${c.healthy ? 's-completed' : 's-failed'}` }, c.healthy ? 'up' : 'down'), ' ', name,
            c.message ? h('span', { class: 'muted' }, ` — ${c.message}`) : null)))
            : h('p', { class: 'muted' }, 'Not available here (the admin port is elsewhere).'))),
      h('p', { class: 'muted' }, `Updated ${when(new Date(now).toISOString())}; refreshes every 10 s.`));
  };
  await refresh();
  const timer = setInterval(refresh, 10000);
  return () => clearInterval(timer);
}
