// Chains: each definition as a graph of its steps (columns by depth), and chain runs with each step's run.
import { get, post, query } from '../api.js';
import { h, add, clear, badge, when, table, shortId } from '../dom.js';
import { alert } from '../app.js';

/** Steps in columns: a step stands one column right of the deepest step it depends on. */
function levels(steps) {
  const byName = new Map(steps.map((s) => [s.name || s.job, s]));
  const depth = new Map();
  const of = (name, seen = new Set()) => {
    if (depth.has(name)) return depth.get(name);
    if (seen.has(name)) return 0;
    seen.add(name);
    const s = byName.get(name);
    const d = s && s.depends_on && s.depends_on.length ? 1 + Math.max(...s.depends_on.map((x) => of(x, seen))) : 0;
    depth.set(name, d);
    return d;
  };
  const cols = [];
  for (const s of steps) {
    const d = of(s.name || s.job);
    (cols[d] ||= []).push(s);
  }
  return cols;
}

function graph(chain) {
  return h('div', { class: 'graph', role: 'list', 'aria-label': `Steps of ${chain.name}` }, levels(chain.steps || []).map((col) =>
    h('div', { class: 'level' }, col.map((s) => h('div', { class: 'step', role: 'listitem' },
      h('strong', {}, s.name || s.job), s.name && s.name !== s.job ? h('small', {}, `job ${s.job}`) : null,
      s.depends_on && s.depends_on.length ? h('small', {}, `after ${s.depends_on.join(', ')}`) : null,
      s.on_failure && s.on_failure !== 'stop' ? h('small', {}, `on failure: ${s.on_failure}`) : null)))));
}

export async function render(root, { me }) {
  const notices = h('div', {});
  const defs = h('div', {});
  const runs = h('div', {});
  root.append(h('h1', {}, 'Chains'), notices, defs, h('h2', {}, 'Chain runs'), runs);
  const loadRuns = async () => {
    const page = await get(`/jobs/chain-runs${query({ limit: 50 })}`);
    clear(runs).append(page.chain_runs.length ? table(['Chain run', 'Chain', 'Tenant', 'Status', 'Requested', 'Steps'],
      page.chain_runs.map((r) => h('tr', {},
        h('td', { class: 'mono' }, shortId(r.chain_run_id)), h('td', {}, r.chain_name), h('td', {}, r.tenant_id || '–'),
        h('td', {}, badge(r.status)), h('td', {}, when(r.requested_at)),
        h('td', {}, h('div', { class: 'actions' }, (r.steps || []).map((s) => s.run_id
          ? h('a', { href: `#/runs/${encodeURIComponent(s.run_id)}`, title: `run of step ${s.name}` }, `${s.name} `, badge(s.status))
          : h('span', {}, `${s.name} `, badge(s.status)))))))) : h('p', { class: 'muted' }, 'No chain runs yet.'));
  };
  try {
    const chains = await get('/jobs/chains');
    add(clear(defs), chains.length ? chains.map((ch) => {
      const tenant = h('input', { 'aria-label': `Tenant for ${ch.name}`, placeholder: 'tenant (optional)' });
      return h('section', { class: 'card', style: 'margin-bottom:12px' },
        h('h2', {}, ch.name, ch.source ? h('span', { class: 'muted' }, ` (${ch.source})`) : null),
        ch.description ? h('p', {}, ch.description) : null, graph(ch),
        me.may_operate ? h('div', { class: 'actions' }, tenant, h('button', { type: 'button', onclick: async () => {
          clear(notices);
          try {
            const r = await post(`/jobs/chains/${encodeURIComponent(ch.name)}/run`, tenant.value ? { tenant_id: tenant.value } : {});
            notices.append(h('div', { class: 'ok', role: 'status' }, `Chain run ${r.chain_run_id} queued.`));
            await loadRuns();
          } catch (e) {
            notices.append(alert(e));
          }
        } }, 'Run now')) : null);
    }) : h('p', {}, 'No chains.'));
    await loadRuns();
  } catch (e) {
    root.append(alert(e));
  }
  const timer = setInterval(() => loadRuns().catch(() => {}), 5000);
  return () => clearInterval(timer);
}
