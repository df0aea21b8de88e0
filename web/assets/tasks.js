// The task list: newest first, 100 per API page, "Load more" for the next page.

import { api, rememberTitle } from './api.js';
import { h, link, replace, route } from './dom.js';
import { relative, statusBadge, timeCell } from './format.js';

const PAGE_SIZE = 100;

export function scheduleCell(task) {
  return h(
    'div',
    { class: 'schedule' },
    h('code', null, task.schedule),
    h('div', { class: 'small' }, task.schedule_description || ''),
    h('div', { class: 'muted small' }, task.timezone),
  );
}

function taskRow(task) {
  const last = task.recent_runs && task.recent_runs[0];
  return h(
    'tr',
    { dataset: { taskId: task.id } },
    h('td', { class: 'title' }, link(route(`/tasks/${task.id}`), task.title)),
    h('td', null, scheduleCell(task)),
    h(
      'td',
      null,
      h('span', { class: task.enabled ? 'badge on' : 'badge off' }, task.enabled ? 'enabled' : 'disabled'),
    ),
    h('td', null, task.enabled && task.upcoming[0] ? timeCell(task.upcoming[0], { withRelative: true }) : h('span', { class: 'muted' }, '—')),
    h(
      'td',
      null,
      last
        ? [link(route(`/runs/${last.id}`), statusBadge(last.status)), h('span', { class: 'muted small' }, ' ' + relative(last.createdAt))]
        : h('span', { class: 'muted' }, 'never run'),
    ),
  );
}

export function render(main, { query, navigate, current }) {
  document.title = 'Tasks · backbeat';
  const enabled = query.enabled === 'true' || query.enabled === 'false' ? query.enabled : '';
  const filter = h(
    'select',
    { id: 'enabled-filter', 'aria-label': 'Show' },
    h('option', { value: '', selected: enabled === '' }, 'All tasks'),
    h('option', { value: 'true', selected: enabled === 'true' }, 'Enabled'),
    h('option', { value: 'false', selected: enabled === 'false' }, 'Disabled'),
  );
  filter.addEventListener('change', () => navigate(route('/tasks', { enabled: filter.value })));

  const body = h('tbody');
  const table = h(
    'table',
    { class: 'list', id: 'tasks-table' },
    h('thead', null, h('tr', null, h('th', null, 'Title'), h('th', null, 'Schedule'), h('th', null, 'State'), h('th', null, 'Next fire'), h('th', null, 'Last run'))),
    body,
  );
  const status = h('p', { class: 'muted', id: 'tasks-status' }, 'Loading…');
  const more = h('button', { type: 'button', id: 'tasks-more', hidden: true }, 'Load more');
  main.append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, 'Tasks'),
      h('div', { class: 'tools' }, filter, h('a', { class: 'button primary', href: '#/tasks/new', id: 'new-task' }, 'New task')),
    ),
    table,
    h('div', { class: 'list-foot' }, status, more),
  );

  let cursor = null;
  let shown = 0;
  async function load() {
    more.disabled = true;
    try {
      const data = await api('GET', '/api/tasks', { query: { limit: PAGE_SIZE, cursor, enabled } });
      if (!current()) return;
      const rows = document.createDocumentFragment();
      for (const task of data.tasks) {
        rememberTitle(task.id, task.title);
        rows.append(taskRow(task));
      }
      body.append(rows);
      shown += data.tasks.length;
      cursor = data.next_cursor;
      more.hidden = !cursor;
      more.disabled = false;
      if (shown === 0) {
        replace(status, enabled ? 'No tasks match.' : 'No tasks yet. ', enabled ? null : link('#/tasks/new', 'Create one.'));
      } else {
        status.textContent = `${shown} task${shown === 1 ? '' : 's'} shown${cursor ? ', more to load' : ''}.`;
      }
    } catch (e) {
      if (!current()) return;
      status.textContent = `Could not load tasks: ${e.message}`;
      status.className = 'field-error';
      more.disabled = false;
    }
  }
  more.addEventListener('click', load);
  load();
}
