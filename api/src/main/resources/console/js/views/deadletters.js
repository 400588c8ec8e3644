// Dead letters: what could not be run, with the reason; an admin redrives one as it was or corrected.
import { get, post, query } from '../api.js';
import { h, add, clear, when, json, field } from '../dom.js';
import { alert } from '../app.js';

export async function render(root, { me }) {
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter dead letters' },
    h('label', {}, 'Tenant', h('input', { name: 'tenant' })),
    h('label', {}, 'Job', h('input', { name: 'job' })),
    h('label', {}, 'Topic', h('select', { name: 'topic' }, ['', 'jobline.requests.dlq', 'jobline.history.dlq'].map((t) => h('option', { value: t }, t || 'any')))),
    h('label', {}, 'Redriven', h('select', { name: 'redriven' }, [['', 'any'], ['false', 'not yet'], ['true', 'yes']].map(([v, t]) => h('option', { value: v }, t)))),
    h('button', { type: 'submit' }, 'Apply'));
  const list = h('div', {});
  const detail = h('section', { id: 'dead-letter', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Older →');
  root.append(h('h1', {}, 'Dead letters'), h('p', { class: 'muted' }, 'Records the executor could not run, and runs history could not store, with the reason.'),
    form, list, h('div', { class: 'pager' }, more), detail);

  let cursor = null;
  const rows = h('tbody', {});
  const load = async (append) => {
    try {
      const page = await get(`/jobs/dead-letters${query({ ...Object.fromEntries(new FormData(form)), cursor, limit: 50 })}`);
      if (!append) {
        clear(rows);
        clear(list).append(page.dead_letters.length || cursor ? h('div', { class: 'table-wrap' }, h('table', { id: 'dead-letters-table' },
          h('thead', {}, h('tr', {}, ['Time', 'Reason', 'Job', 'Tenant', 'Where', 'Redriven'].map((t) => h('th', { scope: 'col' }, t)))), rows))
          : h('p', {}, 'No dead letters.'));
      }
      for (const d of page.dead_letters) {
        rows.append(h('tr', {},
          h('td', {}, h('a', { href: '#/dead-letters', onclick: (ev) => { ev.preventDefault(); show(d.id); } }, when(d.time))),
          h('td', {}, d.reason || ''), h('td', {}, d.job_name || '–'), h('td', {}, d.tenant_id || '–'),
          h('td', { class: 'mono' }, `${d.topic} ${d.partition}@${d.offset}`),
          h('td', {}, d.redriven ? h('span', { class: 'badge s-completed' }, `${d.redrives.length}×`) : h('span', { class: 'muted' }, 'no'))));
      }
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (e) {
      clear(list).append(alert(e));
    }
  };

  const show = async (id) => {
    clear(detail);
    let d;
    try {
      d = await get(`/jobs/dead-letters/${encodeURIComponent(id)}`);
    } catch (e) {
      detail.append(alert(e));
      return;
    }
    const notices = h('div', {});
    const editor = h('textarea', { id: 'redrive-record', rows: 8 }, d.record ? JSON.stringify(d.record, null, 2) : (d.record_text || ''));
    const redrive = async (corrected) => {
      clear(notices);
      let body;
      if (corrected) {
        try {
          body = { record: JSON.parse(editor.value) };
        } catch (e) {
          notices.append(h('div', { class: 'alert', role: 'alert' }, `The corrected record is not JSON: ${e.message}`));
          editor.focus();
          return;
        }
      }
      try {
        const r = await post(`/jobs/dead-letters/${encodeURIComponent(id)}/redrive`, body);
        notices.append(h('div', { class: 'ok', role: 'status', id: 'redrive-result' }, 'Redriven as attempt ', String(r.attempt), ' of run ',
          h('a', { href: `#/runs/${encodeURIComponent(r.run_id)}` }, r.run_id), '.'));
      } catch (e) {
        notices.append(alert(e));
      }
    };
    add(detail, [h('h2', {}, 'Dead letter ', h('code', {}, d.id)),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Reason'), h('dd', {}, d.reason || '–'),
        h('dt', {}, 'Dead-lettered'), h('dd', {}, when(d.time)),
        h('dt', {}, 'Lies at'), h('dd', { class: 'mono' }, `${d.topic} partition ${d.partition} offset ${d.offset}`),
        h('dt', {}, 'Came from'), h('dd', { class: 'mono' }, d.source_topic ? `${d.source_topic}${d.source_offset != null ? ` partition ${d.source_partition} offset ${d.source_offset}` : ''}` : '–'),
        h('dt', {}, 'Run'), h('dd', {}, d.run_id ? h('a', { href: `#/runs/${encodeURIComponent(d.run_id)}` }, d.run_id) : '–'),
        h('dt', {}, 'Redrives'), h('dd', {}, d.redrives.length ? h('ul', {}, d.redrives.map((r) => h('li', {},
          `${when(r.at)} by ${r.by}${r.corrected ? ', corrected' : ''}: `, h('a', { href: `#/runs/${encodeURIComponent(r.run_id)}` }, `attempt ${r.attempt}`))))
          : 'none')),
      h('h3', {}, 'Record'), d.record ? json(d.record) : h('pre', {}, d.record_text || '(empty)'),
      me.may_administer && d.topic === 'jobline.requests.dlq' ? [
        field('Corrected record (JSON)', editor, 'edit, then redrive corrected'),
        h('div', { class: 'actions' },
          h('button', { type: 'button', id: 'redrive-as-is', class: 'secondary', onclick: () => redrive(false) }, 'Redrive as it was'),
          h('button', { type: 'button', id: 'redrive-corrected', onclick: () => redrive(true) }, 'Redrive corrected')),
        notices] : h('p', { class: 'muted' }, me.may_administer ? 'Runs set aside by history are not requests; run the job again instead.' : 'Redriving needs the admin role.')]);
    detail.scrollIntoView({ block: 'start' });
  };

  form.addEventListener('submit', (ev) => { ev.preventDefault(); cursor = null; load(false); });
  more.addEventListener('click', () => load(true));
  await load(false);
  return undefined;
}
