// One run: status, times, params, result, error, attempts, and its progress and log lines live.
import { get, post, stream, ApiError } from '../api.js';
import { h, add, clear, badge, when, duration, json, table } from '../dom.js';
import { alert } from '../app.js';

const ENDED = new Set(['completed', 'failed', 'cancelled', 'timed_out', 'missed']);
// a failed or timed-out attempt with a retry to come reads ended for a moment: the run goes on
const goingOn = (r) => !ENDED.has(r.status) || !!r.next_attempt;

function logLine(l) {
  return h('li', { class: `lvl-${l.level || 'info'}` }, h('span', { class: 'muted' }, when(l.timestamp)), ' ',
    l.percentage != null ? `[${l.percentage}%] ` : '', l.message || '');
}

export async function render(root, { me, params: [runId] }) {
  const controller = new AbortController();
  const title = h('h1', {}, 'Run ', h('code', {}, runId));
  const state = h('span', { id: 'run-status' });
  const facts = h('div', {});
  const notices = h('div', {});
  const bar = h('progress', { id: 'run-progress', max: 100, value: 0, 'aria-label': 'Progress' });
  const pct = h('span', { id: 'run-progress-text', 'aria-live': 'polite' }, '0%');
  const logs = h('ol', { class: 'logs', id: 'run-logs', 'aria-label': 'Log lines', 'aria-live': 'polite' });
  const liveNote = h('p', { class: 'muted', id: 'live-note' });
  const actions = h('div', { class: 'actions' });
  root.append(title, h('p', {}, state), actions, notices, h('div', { class: 'progress' }, bar, pct), facts,
    h('h2', {}, 'Log'), liveNote, logs);

  let run;
  const show = (r) => {
    run = r;
    add(clear(state), [badge(r.status), r.progress_message ? h('span', { class: 'muted' }, ` ${r.progress_message}`) : null,
      r.next_attempt ? h('span', { class: 'muted', id: 'next-attempt' }, ` attempt ${r.next_attempt.attempt} due ${when(r.next_attempt.due_at)}`) : null]);
    if (r.progress != null) {
      bar.value = r.progress;
      pct.textContent = `${r.progress}%`;
    } else if (r.status === 'completed') {
      bar.value = 100;
      pct.textContent = '100%';
    }
    clear(facts).append(
      h('div', { class: 'split' },
        h('dl', { class: 'facts' },
          h('dt', {}, 'Job'), h('dd', {}, h('a', { href: `#/jobs/${encodeURIComponent(r.job_name)}` }, r.job_name)),
          h('dt', {}, 'Tenant'), h('dd', {}, r.tenant_id || '–'),
          h('dt', {}, 'Trigger'), h('dd', {}, r.trigger ? `${r.trigger.type}${r.trigger.schedule ? ` (${r.trigger.schedule})` : ''}` : '–'),
          h('dt', {}, 'Requested'), h('dd', {}, when(r.requested_at)),
          h('dt', {}, 'Started'), h('dd', {}, when(r.started_at)),
          h('dt', {}, 'Ended'), h('dd', {}, when(r.completed_at)),
          h('dt', {}, 'Duration'), h('dd', {}, duration(r.duration_seconds)),
          h('dt', {}, 'Attempt'), h('dd', {}, String(r.attempt ?? '–')),
          h('dt', {}, 'Executor'), h('dd', {}, r.executor_id || '–'),
          r.parent_run_id ? [h('dt', {}, 'Parent run'), h('dd', {}, h('a', { href: `#/runs/${encodeURIComponent(r.parent_run_id)}` }, r.parent_run_id))] : null),
        h('div', {},
          h('h2', {}, 'Params'), json(r.params || {}),
          h('h2', {}, 'Result'), json(r.result),
          r.error ? [h('h2', {}, 'Error'), h('pre', { class: 'alert', id: 'run-error' }, r.error)] : null)),
      h('h2', {}, 'Attempts'),
      (r.attempts && r.attempts.length)
        ? table(['Attempt', 'Executor', 'Epoch', 'Started', 'Ended', 'Status', 'Error'], r.attempts.map((a) => h('tr', {},
          h('td', { class: 'num' }, String(a.attempt ?? '')), h('td', {}, a.executor_id || '–'), h('td', { class: 'num' }, String(a.epoch ?? '')),
          h('td', {}, when(a.started_at)), h('td', {}, when(a.ended_at || a.completed_at)), h('td', {}, badge(a.status)),
          h('td', {}, a.error || ''))))
        : h('p', { class: 'muted' }, 'None yet.'));
    clear(actions);
    if (me.may_operate && goingOn(r)) {
      actions.append(h('button', { type: 'button', class: 'danger', onclick: () => act('cancel') }, 'Cancel'));
    }
    if (me.may_operate && ['failed', 'timed_out', 'cancelled'].includes(r.status) && !r.next_attempt) {
      actions.append(h('button', { type: 'button', onclick: () => act('retry') }, 'Retry'));
    }
  };
  const act = async (what) => {
    clear(notices);
    try {
      await post(`/jobs/runs/${encodeURIComponent(runId)}/${what}`);
      notices.append(h('div', { class: 'ok', role: 'status' }, what === 'cancel' ? 'Cancelling…' : 'Retry queued.'));
      if (what === 'retry') follow();
    } catch (e) {
      notices.append(alert(e));
    }
  };
  const reload = async () => show(await get(`/jobs/runs/${encodeURIComponent(runId)}`));

  let following = false;
  const follow = () => {
    if (following) return;
    following = true;
    liveNote.textContent = 'Live: new lines appear as they happen.';
    // every line the page shows already is skipped: the stream resumes after them
    const from = `${logs.children.length}:${run.status || ''}`;
    stream(`/jobs/runs/${encodeURIComponent(runId)}/stream`, {
      lastEventId: from,
      signal: controller.signal,
      onEvent: (name, data) => {
        if (name === 'log' || name === 'progress') {
          // (past the log cap a progress event is the run's progress, not a line: it has no time)
          if (data.timestamp) {
            logs.append(logLine(data));
            logs.scrollTop = logs.scrollHeight;
          }
          if (data.percentage != null) {
            bar.value = data.percentage;
            pct.textContent = `${data.percentage}%`;
          }
        } else if (name === 'truncated') {
          liveNote.textContent = `Live: the log keeps its first ${data.lines_kept} lines; progress goes on above.`;
        } else if (name === 'status') {
          reload().catch(() => {});
        } else if (name === 'end') {
          liveNote.textContent = `Ended ${data.status || ''}.`;
          following = false;
          // the run may have gone on since (an attempt's end read just before its retry): if the
          // reload shows it going on, follow it again
          reload().then(() => { if (goingOn(run)) follow(); }).catch(() => {});
        }
      },
      onError: (e, attempt) => {
        liveNote.textContent = attempt ? `Stream interrupted (${e.message}); reconnecting…` : `Stream stopped: ${e.message}`;
      },
    });
  };

  // a run just submitted appears within a moment: wait for it a little before saying it is not there
  for (let waited = 0; ; waited += 500) {
    try {
      await reload();
      break;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404 || waited >= 6000 || controller.signal.aborted) throw e;
      liveNote.textContent = 'Waiting for the run to appear…';
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  for (const l of run.logs || []) logs.append(logLine(l));
  if (goingOn(run)) follow();
  else liveNote.textContent = run.logs_truncated ? 'The run ended; its log was truncated (GET …/logs has every line kept).' : 'The run ended.';
  return () => controller.abort();
}
