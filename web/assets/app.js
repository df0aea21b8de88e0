// The dashboard's entry point: a hash router over the pages, the top bar and page notices.
//   #/signin  #/tasks  #/tasks/new  #/tasks/<id>  #/runs  #/runs/<id>  #/timeline
// Each page module exports render(main, {id, query, navigate, notify}) and may return a
// function that stops what it started (timers, polls); it runs when the page is left.

import { apiKey, clearApiKey, forgetTitles, setUnauthorizedHandler } from './api.js';
import { h, replace } from './dom.js';
import { localZone } from './format.js';
import * as runPage from './run.js';
import * as runsPage from './runs.js';
import * as signinPage from './signin.js';
import * as taskPage from './task.js';
import * as tasksPage from './tasks.js';
import * as timelinePage from './timeline.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const signout = document.getElementById('signout');
const zone = document.getElementById('zone');
const noticeBox = document.getElementById('notice');

let leavePage = null;
let renderToken = 0;
let afterSignIn = '#/tasks';
let pendingNotice = null;

function parseHash() {
  const raw = window.location.hash.replace(/^#/, '') || '/tasks';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = Object.fromEntries(new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)));
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { raw: '#' + raw, parts, query };
}

function match(parts) {
  const [section, id] = parts;
  if (parts.length === 1 && section === 'signin') return { page: signinPage, nav: null };
  if (parts.length === 1 && section === 'tasks') return { page: tasksPage, nav: 'tasks' };
  if (parts.length === 2 && section === 'tasks') return { page: taskPage, nav: 'tasks', id };
  if (parts.length === 1 && section === 'runs') return { page: runsPage, nav: 'runs' };
  if (parts.length === 2 && section === 'runs') return { page: runPage, nav: 'runs', id };
  if (parts.length === 1 && section === 'timeline') return { page: timelinePage, nav: 'timeline' };
  return null;
}

function navigate(hash, { notice } = {}) {
  pendingNotice = notice || null;
  if (window.location.hash === hash) {
    render();
  } else {
    window.location.hash = hash;
  }
}

// A message above the page: `kind` 'ok' or 'error'; `content` text or nodes. Stays until the
// next page or the next notice.
function notify(content, kind = 'ok') {
  if (!content) {
    noticeBox.hidden = true;
    noticeBox.replaceChildren();
    return;
  }
  noticeBox.className = `notice ${kind}`;
  replace(noticeBox, content);
  noticeBox.hidden = false;
}

function render() {
  if (leavePage) {
    leavePage();
    leavePage = null;
  }
  const token = ++renderToken;
  const { raw, parts, query } = parseHash();
  const signedIn = Boolean(apiKey());
  nav.hidden = !signedIn;
  signout.hidden = !signedIn;
  zone.hidden = !signedIn;
  notify(pendingNotice?.content, pendingNotice?.kind);
  pendingNotice = null;

  const found = match(parts);
  if (!signedIn && found?.page !== signinPage) {
    afterSignIn = found ? raw : '#/tasks';
    navigate('#/signin');
    return;
  }
  for (const a of nav.querySelectorAll('a')) {
    if (found && a.dataset.nav === found.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.replaceChildren();
  if (!found) {
    document.title = 'Not found · backbeat';
    main.append(h('h1', null, 'Not found'), h('p', null, 'There is no such page. ', h('a', { href: '#/tasks' }, 'Go to the tasks.')));
    return;
  }
  const context = {
    id: found.id,
    query,
    navigate,
    notify,
    signedIn: () => navigate(afterSignIn),
    // Whether this page is still the one shown (async work checks before drawing).
    current: () => token === renderToken,
  };
  const result = found.page.render(main, context);
  if (typeof result === 'function') leavePage = result;
}

signout.addEventListener('click', () => {
  clearApiKey();
  forgetTitles();
  navigate('#/signin', { notice: { content: 'Signed out.', kind: 'ok' } });
});

setUnauthorizedHandler((error) => {
  clearApiKey();
  forgetTitles();
  afterSignIn = parseHash().raw;
  navigate('#/signin', { notice: { content: `Please sign in again: ${error.message}`, kind: 'error' } });
});

zone.textContent = `Times in ${localZone}`;
window.addEventListener('hashchange', render);
render();
