// Jobs: the catalogue, and each job with a run-now form generated from its params schema.
import { get, post } from '../api.js';
import { h, clear, json, table, field } from '../dom.js';
import { alert } from '../app.js';
import { schemaForm } from '../schemaform.js';

export async function renderList(root) {
  const jobs = await get('/jobs');
  root.append(h('h1', {}, 'Jobs'), table(['Job', 'Description', 'Timeout', 'Retries', 'Scope'], jobs.map((j) => h('tr', {},
    h('td', {}, h('a', { href: `#/jobs/${encodeURIComponent(j.name)}` }, j.name)), h('td', {}, j.description || ''),
    h('td', { class: 'num' }, j.timeout_seconds ? `${j.timeout_seconds} s` : '–'), h('td', { class: 'num' }, String(j.retries ?? 0)),
    h('td', {}, `${j.scope || 'tenant'}${j.per_tenant ? ', per tenant' : ''}`)))));
  return undefined;
}

export async function renderJob(root, { me, params: [name], navigate }) {
  const job = await get(`/jobs/${encodeURIComponent(name)}`);
  root.append(h('h1', {}, 'Job ', h('code', {}, job.name)), h('p', {}, job.description || ''),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Timeout'), h('dd', {}, job.timeout_seconds ? `${job.timeout_seconds} s` : '–'),
      h('dt', {}, 'Retries'), h('dd', {}, String(job.retries ?? 0)),
      h('dt', {}, 'Scope'), h('dd', {}, `${job.scope || 'tenant'}${job.per_tenant ? ' (one run per tenant)' : ''}`),
      h('dt', {}, 'Runs'), h('dd', {}, h('a', { href: `#/runs?job=${encodeURIComponent(job.name)}` }, 'its runs'))));
  const form = schemaForm(job.params_schema);
  const tenant = h('input', { id: 'run-tenant', value: me.tenant || '', readonly: Boolean(me.tenant) });
  const notices = h('div', {});
  const submit = h('form', { id: 'run-now', novalidate: true }, h('h2', {}, 'Run now'),
    field('Tenant', tenant, me.tenant ? '(your token\'s)' : '(optional)'), form.nodes, notices,
    h('div', { class: 'actions' }, h('button', { type: 'submit', disabled: !me.may_operate },
      me.may_operate ? 'Run now' : 'Run now (needs the operator role)')));
  submit.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(notices);
    const params = form.read();
    if (!params) {
      notices.append(h('div', { class: 'alert', role: 'alert' }, 'Some params are not valid; see the fields above.'));
      return;
    }
    try {
      const r = await post(`/jobs/run/${encodeURIComponent(job.name)}`, tenant.value ? { tenant_id: tenant.value, params } : { params });
      navigate(`#/runs/${encodeURIComponent(r.run_id)}`);
    } catch (e) {
      form.markServerErrors(e.problem || {});
      notices.append(alert(e));
    }
  });
  root.append(h('div', { class: 'split' }, submit, h('div', {}, h('h2', {}, 'Params schema'), json(job.params_schema || {}))));
  return undefined;
}
