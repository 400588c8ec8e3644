// Schedules: the list with next fires (in the schedule's zone and the viewer's), actions by role, and
// the editor with a live preview of the cron expression.
import { get, post, patch, del, ApiError } from '../api.js';
import { h, add, clear, badge, when, table, field, setFieldError, debounce, shortId } from '../dom.js';
import { alert } from '../app.js';

const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

function nextFires(s) {
  const times = s.next_fire_times || [];
  if (!times.length) return h('span', { class: 'muted' }, s.paused ? 'none while paused' : s.is_enabled === false ? 'none while disabled' : 'none');
  return h('ul', { style: 'margin:0;padding-left:16px' }, times.slice(0, 3).map((t) => h('li', {},
    when(t, s.timezone || 'Europe/Stockholm'), h('br'), h('span', { class: 'muted' }, `${when(t)} here`))));
}

export async function renderList(root, { me }) {
  const notices = h('div', {});
  const list = h('div', {});
  add(root, [h('h1', {}, 'Schedules'),
    me.may_administer ? h('div', { class: 'actions' }, h('a', { class: 'button', href: '#/schedules/new', id: 'new-schedule' }, 'New schedule')) : null,
    notices, list]);
  const act = async (label, fn) => {
    clear(notices);
    try {
      const result = await fn();
      notices.append(h('div', { class: 'ok', role: 'status' }, typeof label === 'function' ? label(result) : label));
      await load();
    } catch (e) {
      notices.append(alert(e));
    }
  };
  const load = async () => {
    const schedules = await get('/jobs/schedules');
    clear(list).append(schedules.length ? table(
      ['Schedule', 'Runs', 'Trigger', `Next fires (its zone; ${viewerZone})`, 'Last run', 'State', 'Actions'],
      schedules.map((s) => {
        const path = `/jobs/schedules/${encodeURIComponent(s.job_name)}`;
        return h('tr', {},
          h('td', {}, me.may_administer ? h('a', { href: `#/schedules/${encodeURIComponent(s.job_name)}/edit` }, s.job_name) : s.job_name,
            s.description ? h('div', { class: 'muted' }, s.description) : null),
          h('td', {}, s.job_type, s.tenant_id ? h('div', { class: 'muted' }, `tenant ${s.tenant_id}`) : null),
          h('td', {}, s.description_of_trigger || '', s.cron_expression ? h('div', { class: 'mono muted' }, `${s.cron_expression} · ${s.timezone || ''}`) : null),
          h('td', {}, nextFires(s)),
          h('td', {}, s.last_run_id ? h('a', { href: `#/runs/${encodeURIComponent(s.last_run_id)}` }, badge(s.last_run_status)) : badge(s.last_run_status),
            h('div', { class: 'muted' }, when(s.last_run_at))),
          h('td', {}, s.paused ? badge('paused') : (s.is_enabled === false ? badge('disabled') : badge('active'))),
          h('td', {}, h('div', { class: 'actions' },
            me.may_operate ? (s.paused
              ? h('button', { type: 'button', class: 'secondary', onclick: () => act(`Resumed ${s.job_name}.`, () => post(`${path}/resume`)) }, 'Resume')
              : h('button', { type: 'button', class: 'secondary', onclick: () => act(`Paused ${s.job_name}.`, () => post(`${path}/pause`)) }, 'Pause')) : null,
            me.may_operate ? h('button', { type: 'button', class: 'secondary', onclick: () => act((r) => [`Triggered ${s.job_name}: `,
              r.chain_run_id ? h('a', { href: '#/chains' }, `chain run ${shortId(r.chain_run_id)}`)
                : h('a', { href: `#/runs/${encodeURIComponent(r.run_id)}`, id: 'triggered-run' }, `run ${shortId(r.run_id)}`), '.'],
            () => post(`${path}/trigger`)) }, 'Trigger now') : null,
            me.may_administer ? h('button', { type: 'button', class: 'danger', onclick: () => {
              if (window.confirm(`Delete schedule ${s.job_name}?`)) act(`Deleted ${s.job_name}.`, () => del(path));
            } }, 'Delete') : null)));
      })) : h('p', {}, 'No schedules yet.'));
  };
  await load().catch((e) => list.append(alert(e)));
  return undefined;
}

export async function renderEditor(root, { params: [name], navigate }) {
  const editing = Boolean(name);
  const existing = editing ? await get(`/jobs/schedules/${encodeURIComponent(name)}`) : {};
  const [jobs, chains] = await Promise.all([get('/jobs'), get('/jobs/chains').catch(() => [])]);
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const c = {
    job_name: h('input', { id: 's-name', value: existing.job_name || '', required: true, readonly: editing, maxlength: 128 }),
    job_type: h('select', { id: 's-type' }, [...jobs.map((j) => j.name), ...chains.map((ch) => ch.name)]
      .map((n) => h('option', { value: n, selected: existing.job_type === n }, n))),
    trigger_type: h('select', { id: 's-trigger' }, ['cron', 'interval', 'once']
      .map((t) => h('option', { value: t, selected: (existing.trigger_type || 'cron') === t }, t))),
    cron_expression: h('input', { id: 's-cron', value: existing.cron_expression || '0 9 * * 0-4', class: 'mono' }),
    timezone: h('input', { id: 's-zone', value: existing.timezone || 'Europe/Stockholm', list: 's-zones' }),
    interval_seconds: h('input', { id: 's-interval', type: 'number', min: 1, value: existing.interval_seconds ?? '' }),
    run_at: h('input', { id: 's-run-at', value: existing.run_at || '', placeholder: '2026-03-01T09:00:00Z' }),
    tenant_id: h('input', { id: 's-tenant', value: existing.tenant_id || '' }),
    description: h('input', { id: 's-description', value: existing.description || '' }),
    parameters: h('textarea', { id: 's-params', rows: 4 }, JSON.stringify(existing.parameters || {}, null, 2)),
    is_enabled: h('input', { id: 's-enabled', type: 'checkbox', checked: existing.is_enabled !== false }),
  };
  const preview = h('section', { class: 'card', id: 'cron-preview', 'aria-live': 'polite', 'aria-label': 'Preview' });
  const notices = h('div', {});
  const form = h('form', { id: 'schedule-form', novalidate: true },
    field('Name', c.job_name, editing ? '(cannot be renamed)' : 'letters, digits, . _ : -'),
    field('Runs (job or chain)', c.job_type),
    field('Trigger', c.trigger_type),
    field('Cron expression', c.cron_expression, 'minute hour day-of-month month day-of-week (0 = Monday)'),
    field('Time zone', c.timezone, '(IANA)'),
    h('datalist', { id: 's-zones' }, zones.map((z) => h('option', { value: z }))),
    field('Interval (seconds)', c.interval_seconds, 'for interval triggers'),
    field('Run at', c.run_at, 'ISO-8601 instant, for once and interval'),
    field('Tenant', c.tenant_id, '(empty: the token\'s)'),
    field('Description', c.description),
    field('Parameters (JSON object)', c.parameters),
    h('label', { for: 's-enabled', style: 'font-weight:400' }, c.is_enabled, ' Enabled'),
    notices,
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'save-schedule' }, editing ? 'Save changes' : 'Create schedule'),
      h('a', { href: '#/schedules', class: 'button secondary' }, 'Cancel')));
  root.append(h('h1', {}, editing ? `Edit schedule ${name}` : 'New schedule'), h('div', { class: 'split' }, form, preview));

  const showPreview = async () => {
    clear(preview).append(h('h2', {}, 'Preview'));
    if (c.trigger_type.value !== 'cron') {
      preview.append(h('p', { class: 'muted' }, 'The preview is for cron triggers.'));
      return;
    }
    try {
      const p = await post('/jobs/cron/preview', { cron_expression: c.cron_expression.value, timezone: c.timezone.value, count: 6 });
      setFieldError(c.cron_expression, null);
      setFieldError(c.timezone, null);
      add(preview, [h('p', { id: 'cron-description' }, p.description),
        table([`In ${p.timezone}`, `In ${viewerZone}`], p.fire_times.map((t) => h('tr', {},
          h('td', {}, when(t.at, p.timezone), t.dst ? h('span', { class: 'muted' }, ` (${t.dst})`) : null), h('td', {}, when(t.utc))))),
        p.dst_notes.length ? [h('h3', {}, 'Daylight saving time'), h('ul', { id: 'dst-notes' }, p.dst_notes.map((n) => h('li', {},
          `${n.local_time.replace('T', ' ')} (${p.timezone}) ${n.note}.`)))] : null]);
    } catch (e) {
      const target = e.field === 'timezone' ? c.timezone : c.cron_expression;
      setFieldError(target, e instanceof ApiError ? e.problem.detail : e.message);
      preview.append(alert(e));
    }
  };
  const refresh = debounce(showPreview, 250);
  for (const k of ['cron_expression', 'timezone', 'trigger_type']) c[k].addEventListener('input', refresh);
  await showPreview();

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(notices);
    for (const control of Object.values(c)) setFieldError(control, null);
    let parameters;
    try {
      parameters = JSON.parse(c.parameters.value || '{}');
      if (typeof parameters !== 'object' || Array.isArray(parameters) || parameters === null) throw new Error('not an object');
    } catch (e) {
      setFieldError(c.parameters, `Parameters must be a JSON object (${e.message}).`);
      c.parameters.focus();
      return;
    }
    if (!c.job_name.value.trim()) {
      setFieldError(c.job_name, 'A schedule needs a name.');
      c.job_name.focus();
      return;
    }
    const body = { job_type: c.job_type.value, trigger_type: c.trigger_type.value, timezone: c.timezone.value,
      parameters, is_enabled: c.is_enabled.checked };
    if (c.trigger_type.value === 'cron') body.cron_expression = c.cron_expression.value;
    if (c.interval_seconds.value) body.interval_seconds = Number(c.interval_seconds.value);
    if (c.run_at.value) body.run_at = c.run_at.value;
    if (c.tenant_id.value) body.tenant_id = c.tenant_id.value;
    if (c.description.value) body.description = c.description.value;
    try {
      const saved = editing ? await patch(`/jobs/schedules/${encodeURIComponent(name)}`, body)
        : await post('/jobs/schedules', { job_name: c.job_name.value.trim(), ...body });
      notices.append(h('div', { class: 'ok', role: 'status' }, `Saved ${saved.job_name}: ${saved.description_of_trigger}.`));
      setTimeout(() => navigate('#/schedules'), 800);
    } catch (e) {
      const control = c[e.field];
      if (control) {
        setFieldError(control, e.problem.detail);
        control.focus();
      }
      notices.append(alert(e));
    }
  });
  return undefined;
}

