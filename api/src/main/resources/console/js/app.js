// The console's shell: sign-in, who is signed in, navigation, and one view at a time by the URL's hash.
import { get, token, whenUnauthorized, ApiError } from './api.js';
import { h, clear } from './dom.js';
import * as overview from './views/overview.js';
import * as runs from './views/runs.js';
import * as run from './views/run.js';
import * as schedules from './views/schedules.js';
import * as chains from './views/chains.js';
import * as jobs from './views/jobs.js';
import * as deadLetters from './views/deadletters.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let me = null;
let cleanup = null;

const routes = [
  [/^\/?$/, overview.render, '#/'],
  [/^\/runs$/, runs.render, '#/runs'],
  [/^\/runs\/([^/]+)$/, run.render, '#/runs'],
  [/^\/schedules$/, schedules.renderList, '#/schedules'],
  [/^\/schedules\/new$/, schedules.renderEditor, '#/schedules'],
  [/^\/schedules\/([^/]+)\/edit$/, schedules.renderEditor, '#/schedules'],
  [/^\/chains$/, chains.render, '#/chains'],
  [/^\/jobs$/, jobs.renderList, '#/jobs'],
  [/^\/jobs\/([^/]+)$/, jobs.renderJob, '#/jobs'],
  [/^\/dead-letters$/, deadLetters.render, '#/dead-letters'],
];

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, q] = raw.split('?');
  return { path, query: new URLSearchParams(q || '') };
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function route() {
  if (cleanup) {
    try { cleanup(); } catch { /* a view that could not stop is gone anyway */ }
    cleanup = null;
  }
  if (!me) {
    // (signing out from a page other than the overview moves to it: the sign-in form already
    // drawn stays, with what is typed in it and the focus)
    if (!document.getElementById('sign-in')) signIn();
    return;
  }
  const { path, query } = parseHash();
  clear(main);
  for (const [pattern, view, section] of routes) {
    const m = path.match(pattern);
    if (m) {
      for (const a of nav.querySelectorAll('a')) {
        if (a.getAttribute('href') === section) a.setAttribute('aria-current', 'page');
        else a.removeAttribute('aria-current');
      }
      try {
        cleanup = await view(main, { me, params: m.slice(1).map(decodeURIComponent), query, navigate });
      } catch (e) {
        main.append(alert(e));
      }
      return;
    }
  }
  main.append(h('h1', {}, 'Not found'), h('p', {}, 'The console has no page ', h('code', {}, path), '. ',
    h('a', { href: '#/' }, 'Go to the overview.')));
}

/** An error as a readable message, with the problem's errors listed. */
export function alert(e) {
  const errors = e instanceof ApiError ? e.errors : [];
  return h('div', { class: 'alert', role: 'alert' }, e.message || String(e),
    errors.length ? h('ul', {}, errors.map((x) => h('li', {}, x))) : null);
}

function signIn(reason) {
  me = null;
  nav.hidden = true;
  who.hidden = true;
  clear(main);
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true,
    placeholder: 'an API key or a JWT', style: 'width:100%' });
  const message = h('div', { role: 'alert' });
  if (reason) message.append(h('div', { class: 'alert' }, reason));
  const form = h('form', { class: 'signin card', id: 'sign-in' },
    h('h1', {}, 'Sign in to Jobline'),
    h('p', { class: 'muted' }, 'Your token stays in this browser tab (session storage) and goes only to this API, in the Authorization header.'),
    h('label', { for: 'token' }, 'API key or JWT'), input, message,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(message);
    token.set(input.value.trim());
    try {
      await start();
    } catch (e) {
      token.clear();
      message.append(alert(e));
    }
  });
  main.append(form);
  input.focus();
}

async function start() {
  me = await get('/jobs/me');
  const text = document.getElementById('who-text');
  text.textContent = `${me.name} · ${me.role} · ${me.tenant ? `tenant ${me.tenant}` : 'all tenants'}`;
  nav.hidden = false;
  who.hidden = false;
  await route();
  main.focus({ preventScroll: true }); // the sign-in form is gone: keyboard focus goes on from the page
}

whenUnauthorized((problem) => {
  if (me) {
    token.clear();
    signIn(`Signed out: ${problem?.detail || 'the token is no longer accepted'}`);
  }
});

document.getElementById('sign-out').addEventListener('click', () => {
  token.clear();
  if (cleanup) cleanup();
  cleanup = null;
  location.hash = '#/';
  signIn();
});

window.addEventListener('hashchange', () => {
  route();
  // (signed out, the focus stays in the sign-in form: found when a keyboard-only sign-in after
  // signing out from a run's page lost its keys)
  if (me) main.focus({ preventScroll: true });
});

if (token.get()) {
  start().catch((e) => {
    token.clear();
    signIn(e.message);
  });
} else {
  signIn();
}
