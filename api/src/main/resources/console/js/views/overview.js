// Overview: runs per status over the last hour and day, failures first, backlog per tenant, health.
import { get, query } from '../api.js';
import { h, add, clear, badge, when, table, shortId } from '../dom.js';
import { alert } from '../app.js';

const STATUSES = ['failed', 'timed_out', 'missed', 'cancelled', 'retrying', 'running', 'queued', 'completed'];

/** Exact counts by status since {@code from} (GET /jobs/stats/status-counts). */
async function counts(from) {
  const r = await get(`/jobs/stats/status-counts${query({ since: from.toISOString() })}`);
  return Object.fromEntries(STATUSES.map((s) => [s, r.counts[s] || 0]));
}

function chart(title, by) {
  const max = Math.max(1, ...Object.values(by));
  const total = Object.values(by).reduce((a, b) => a + b, 0);
  return h('section', { class: 'card', 'aria-label': title },
    h('h2', {}, title, h('span', { class: 'muted' }, ` — ${total} runs`)),
    h('div', { class: 'bars', role: 'list' }, Object.entries(by).flatMap(([status, n]) => [
      h('span', { role: 'listitem' }, badge(status)),
      h('div', { class: `bar s-${status}`, style: `width:${(100 * n) / max}%`, 'aria-hidden': 'true' }),
      h('span', { class: 'num' }, String(n)),
    ])));
}

/** The newest runs of these statuses requested since {@code from}, newest first. */
async function newest(statuses, from, limit) {
  const pages = await Promise.all(statuses.map((status) => get(`/jobs/runs${query({ status, from: from.toISOString(), limit })}`)));
  return pages.flatMap((p) => p.runs).sort((a, b) => (b.requested_at || '').localeCompare(a.requested_at || '')).slice(0, limit);
}

const tenantName = (t) => (t == null ? '(no key)' : t === '_system' ? '(system)' : t);

/** Requests not finished per tenant, from the executors' consumer lag (GET /jobs/stats/backlog), or why not. */
function backlogCard(b) {
  const card = h('section', { class: 'card', id: 'backlog' }, h('h2', {}, 'Backlog per tenant'));
  if (b instanceof Error) return add(card, [alert(b)]);
  const rows = b.tenants.filter((t) => t.unfinished > 0 || t.at_least);
  return add(card, [
    h('p', { class: 'muted' }, `Requests on the request topics that the executors (group ${b.group}) have not finished — `
      + `waiting to start, or running — from their consumer lag, as of ${when(b.as_of)}.`),
    rows.length ? table(['Tenant', 'Not finished'], rows.map((t) => h('tr', {}, h('td', {}, tenantName(t.tenant_id)),
      h('td', { class: 'num', title: t.at_least ? 'at least: not every request behind was read' : null },
        `${t.at_least ? '≥ ' : ''}${t.unfinished}`))))
      : h('p', {}, 'Nothing waiting.'),
    b.complete ? null : h('p', { class: 'muted' }, '≥: a lower bound — only the first of very many requests behind were read.')]);
}

export async function render(root) {
  const body = h('div', {});
  root.append(h('h1', {}, 'Overview'), body);
  const refresh = async () => {
    const now = Date.now();
    const dayAgo = new Date(now - 24 * 3600 * 1000);
    let hour;
    let day;
    let failures;
    try {
      [hour, day, failures] = await Promise.all([counts(new Date(now - 3600 * 1000)), counts(dayAgo),
        newest(['failed', 'timed_out', 'missed'], dayAgo, 10)]);
    } catch (e) {
      clear(body).append(alert(e));
      return;
    }
    const backlog = await get('/jobs/stats/backlog').catch((e) => e);
    const health = await fetch('/admin/healthcheck').then((r) => r.json()).catch(() => null);
    const fleet = await get('/jobs/executors').catch(() => null);
    clear(body).append(
      h('div', { class: 'cards' }, chart('Last hour', hour), chart('Last 24 hours', day)),
      h('h2', {}, 'Failures and time-outs (last 24 hours)'),
      failures.length
        ? table(['Run', 'Job', 'Tenant', 'Status', 'Requested', 'Error'], failures.map((r) => h('tr', {},
          h('td', {}, h('a', { href: `#/runs/${encodeURIComponent(r.run_id)}` }, shortId(r.run_id))),
          h('td', {}, r.job_name), h('td', {}, r.tenant_id || '–'), h('td', {}, badge(r.status)),
          h('td', {}, when(r.requested_at)), h('td', {}, (r.error || '').slice(0, 160)))))
        : h('p', { class: 'muted' }, 'None.'),
      h('div', { class: 'cards' },
        backlogCard(backlog),
        h('section', { class: 'card', id: 'executors' }, h('h2', {}, 'Executors up'),
          fleet ? (fleet.executors.length ? table(['Executor', 'Partitions held'], fleet.executors.map((e) => h('tr', {},
            h('td', { class: 'mono' }, e.executor_id), h('td', { class: 'num' }, String(e.partitions.length)))))
            : h('p', { class: 'alert' }, 'No executor holds a partition: requests wait.')) : h('p', { class: 'muted' }, 'Not available.')),
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
