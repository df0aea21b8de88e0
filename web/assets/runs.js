// The run list (filter by status and task, live refresh of the newest page) and the run table
// the task page shares.

import { api, runTaskId, taskTitle } from './api.js';
import { h, link, poll, replace, route } from './dom.js';
import { RUN_STATUSES, clock, duration, refreshRelative, statusBadge, timeCell } from './format.js';

const REFRESH_MS = 3000;

// A table of runs, newest first, for a filter ({status, task_id}). refresh() reloads the first
// page (new runs appear on top, changed ones update in place) and keeps the pages loaded with
// loadMore() below it. Rows are reused while a run is unchanged, so a refresh redraws little.
export function runTable({ filter, showTask, pageSize = 50, emptyText = 'No runs yet.' }) {
  const body = h('tbody');
  const head = h(
    'tr',
    null,
    h('th', null, 'Run'),
    h('th', null, 'Status'),
    showTask ? h('th', null, 'Task') : null,
    h('th', null, 'Created'),
    h('th', null, 'Started'),
    h('th', null, 'Duration'),
  );
  const table = h('table', { class: 'list runs' }, h('thead', null, head), body);
  const status = h('p', { class: 'muted runs-status' }, 'Loading…');
  const more = h('button', { type: 'button', class: 'runs-more', hidden: true }, 'Load more');
  const element = h('div', { class: 'run-table' }, table, h('div', { class: 'list-foot' }, status, more));

  let first = [];
  let rest = [];
  let cursor = null; // continues after the last row loaded
  let restStarted = false;
  const rows = new Map(); // run id -> {key, row}

  function taskCell(run) {
    const id = runTaskId(run);
    if (!id) return h('td', { class: 'muted' }, '—');
    const a = link(route(`/tasks/${id}`), id.slice(0, 8) + '…');
    a.title = id;
    taskTitle(id).then(
      (title) => {
        if (title === null) {
          a.replaceWith(h('span', { class: 'muted', title: id }, '(deleted task)'));
        } else {
          a.textContent = title;
        }
      },
      () => {},
    );
    return h('td', { class: 'title' }, a);
  }

  function rowFor(run) {
    const key = `${run.status}|${run.updatedAt}`;
    const cached = rows.get(run.id);
    if (cached && cached.key === key) return cached.row;
    const row = h(
      'tr',
      { dataset: { runId: run.id, status: run.status } },
      h('td', { class: 'mono' }, link(route(`/runs/${run.id}`), run.id)),
      h('td', null, statusBadge(run.status)),
      showTask ? taskCell(run) : null,
      h('td', null, timeCell(run.createdAt, { withRelative: true })),
      h('td', null, timeCell(run.startedAt)),
      h('td', null, run.finishedAt && run.startedAt ? duration(run.durationMs) : h('span', { class: 'muted' }, run.startedAt && !run.finishedAt ? 'running' : '—')),
    );
    rows.set(run.id, { key, row });
    return row;
  }

  function draw() {
    const seen = new Set();
    const ordered = [];
    for (const run of [...first, ...rest]) {
      if (seen.has(run.id)) continue;
      seen.add(run.id);
      ordered.push(rowFor(run));
    }
    for (const id of rows.keys()) if (!seen.has(id)) rows.delete(id);
    body.replaceChildren(...ordered);
    refreshRelative(body);
    more.hidden = !cursor;
    if (ordered.length === 0) {
      status.textContent = emptyText;
    } else {
      status.textContent = `${ordered.length} run${ordered.length === 1 ? '' : 's'} shown${cursor ? ', more to load' : ''} · updated ${clock(new Date().toISOString())}`;
    }
  }

  function query(extra) {
    return { limit: pageSize, status: filter.status, task_id: filter.task_id, ...extra };
  }

  async function refresh() {
    try {
      const data = await api('GET', '/api/tasks/runs', { query: query() });
      first = data.runs;
      if (!restStarted) cursor = data.next_cursor;
      status.classList.remove('field-error');
      draw();
    } catch (e) {
      status.textContent = `Could not load runs: ${e.message}`;
      status.classList.add('field-error');
      throw e;
    }
  }

  async function loadMore() {
    if (!cursor) return;
    more.disabled = true;
    try {
      const data = await api('GET', '/api/tasks/runs', { query: query({ cursor }) });
      rest = rest.concat(data.runs);
      restStarted = true;
      cursor = data.next_cursor;
      draw();
    } catch (e) {
      status.textContent = `Could not load runs: ${e.message}`;
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', loadMore);

  return { element, refresh, loadMore };
}

export function render(main, { query, navigate }) {
  document.title = 'Runs · backbeat';
  const filter = {
    status: RUN_STATUSES.includes(query.status) ? query.status : '',
    task_id: query.task_id || '',
  };
  const statusSelect = h(
    'select',
    { id: 'status-filter' },
    h('option', { value: '' }, 'Any status'),
    RUN_STATUSES.map((s) => h('option', { value: s }, s)),
  );
  statusSelect.value = filter.status;
  const taskInput = h('input', {
    id: 'task-filter',
    type: 'text',
    placeholder: 'Task id (UUID)',
    value: filter.task_id,
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const live = h('input', { id: 'live', type: 'checkbox', checked: true });
  const apply = () => navigate(route('/runs', { status: statusSelect.value, task_id: taskInput.value.trim() }));
  statusSelect.addEventListener('change', apply);
  const filterForm = h(
    'form',
    { class: 'filters', novalidate: true },
    h('label', { for: 'status-filter' }, 'Status'),
    statusSelect,
    h('label', { for: 'task-filter' }, 'Task'),
    taskInput,
    h('button', { type: 'submit' }, 'Filter'),
    filter.status || filter.task_id ? h('a', { href: '#/runs', class: 'button quiet' }, 'Clear') : null,
    h('span', { class: 'spacer' }),
    h('label', { class: 'inline', for: 'live' }, live, ' Live'),
  );
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    apply();
  });

  const taskNote = h('p', { class: 'muted', id: 'task-filter-note' });
  if (filter.task_id) {
    taskNote.textContent = `Runs of task ${filter.task_id}`;
    taskTitle(filter.task_id).then(
      (title) => {
        replace(taskNote, 'Runs of ', title === null ? '(a deleted or unknown task)' : link(route(`/tasks/${filter.task_id}`), title));
      },
      (e) => {
        replace(taskNote, h('span', { class: 'field-error' }, e.message));
      },
    );
  }
  const table = runTable({ filter, showTask: !filter.task_id, emptyText: 'No runs match.' });
  main.append(h('div', { class: 'page-head' }, h('h1', null, 'Runs')), filterForm, taskNote, table.element);

  table.refresh().catch(() => {});
  // The newest page refreshes every few seconds while the tab is visible and Live is on.
  let stop = null;
  const startPolling = () => {
    stop = poll(() => table.refresh(), REFRESH_MS);
  };
  live.addEventListener('change', () => {
    if (live.checked) {
      table.refresh().catch(() => {});
      startPolling();
    } else if (stop) {
      stop();
      stop = null;
    }
  });
  startPolling();
  return () => stop && stop();
}
