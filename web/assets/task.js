// One task (#/tasks/<id>): its schedule and next fires, actions (run now, enable/disable,
// delete), its runs (live) and the edit form. #/tasks/new is the create form.

import { api, getTask, rememberTitle } from './api.js';
import { confirmDialog, h, link, poll, replace, route } from './dom.js';
import { dateTime, localZone, relative, timeCell } from './format.js';
import { runTable } from './runs.js';
import { taskForm } from './task_form.js';

const REFRESH_MS = 3000;

function renderNew(main, { navigate }) {
  document.title = 'New task · backbeat';
  const { form, showError } = taskForm({
    mode: 'create',
    submitLabel: 'Create task',
    onSubmit: async (body) => {
      try {
        const data = await api('POST', '/api/tasks', { body });
        const task = data.tasks[0];
        rememberTitle(task.id, task.title);
        navigate(route(`/tasks/${task.id}`), { notice: { content: 'Task created.', kind: 'ok' } });
      } catch (e) {
        showError(e);
      }
    },
  });
  main.append(h('div', { class: 'page-head' }, h('h1', null, 'New task')), h('section', { class: 'card' }, form));
  form.querySelector('input').focus();
}

function upcomingList(task) {
  if (!task.enabled) return h('p', { class: 'muted', id: 'upcoming' }, 'Disabled: no fires until it is enabled again.');
  if (task.upcoming.length === 0) return h('p', { class: 'muted', id: 'upcoming' }, 'No further fires.');
  const showLocal = task.timezone !== localZone;
  return h(
    'ol',
    { class: 'upcoming', id: 'upcoming' },
    task.upcoming.map((at) =>
      h(
        'li',
        null,
        h('time', { datetime: at, title: at }, dateTime(at, task.timezone)),
        h('span', { class: 'muted small' }, ` ${task.timezone}`),
        showLocal ? h('span', { class: 'muted small' }, ` · ${dateTime(at)} here`) : null,
        h('span', { class: 'muted small' }, ` · ${relative(at)}`),
      ),
    ),
  );
}

function summary(task) {
  return [
    h(
      'section',
      { class: 'card' },
      h('h2', null, 'Schedule'),
      h('p', { class: 'schedule-line' }, h('code', { id: 'task-schedule' }, task.schedule), ' ', h('span', { id: 'task-description' }, task.schedule_description || ''), h('span', { class: 'muted' }, ` (${task.timezone})`)),
      h('h3', null, 'Next fires'),
      upcomingList(task),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', null, 'Details'),
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Id'),
        h('dd', { class: 'mono small' }, task.id),
        h('dt', null, 'Owner'),
        h('dd', null, task.owner_email || task.account_id),
        h('dt', null, 'Artist'),
        h('dd', { class: 'mono small' }, task.artist_account_id),
        h('dt', null, 'Model'),
        h('dd', null, task.model || h('span', { class: 'muted' }, 'server default')),
        h('dt', null, 'Overlap · catch-up'),
        h('dd', null, `${task.overlap} · ${task.catchup} (window ${task.catchup_window_seconds} s)`),
        h('dt', null, 'Attempts · timeout'),
        h('dd', null, `up to ${task.max_attempts} · ${task.timeout_seconds} s each`),
        h('dt', null, 'Created'),
        h('dd', null, timeCell(task.created_at)),
        h('dt', null, 'Updated'),
        h('dd', null, timeCell(task.updated_at)),
      ),
    ),
  ];
}

function renderTask(main, { id, navigate, notify, current }) {
  document.title = 'Task · backbeat';
  const content = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  main.append(content);
  let task = null;
  let stop = null;

  const heading = h('h1', { id: 'task-title' });
  const stateBadge = h('span', { id: 'task-state' });
  const runNow = h('button', { type: 'button', id: 'run-now', class: 'primary' }, 'Run now');
  const toggle = h('button', { type: 'button', id: 'toggle-enabled' });
  const remove = h('button', { type: 'button', id: 'delete-task', class: 'danger' }, 'Delete');
  const summaryBox = h('div', { class: 'grid' });
  const runs = runTable({ filter: { task_id: id }, showTask: false, pageSize: 20 });

  function drawHead() {
    heading.textContent = task.title;
    document.title = `${task.title} · backbeat`;
    replace(stateBadge, h('span', { class: task.enabled ? 'badge on' : 'badge off' }, task.enabled ? 'enabled' : 'disabled'));
    toggle.textContent = task.enabled ? 'Disable' : 'Enable';
    replace(summaryBox, summary(task));
  }

  runNow.addEventListener('click', async () => {
    runNow.disabled = true;
    try {
      const data = await api('POST', '/api/tasks/trigger', { body: { id } });
      const run = data.runs[0];
      notify(['Run started: ', link(route(`/runs/${run.id}`), run.id)], 'ok');
      await runs.refresh();
    } catch (e) {
      notify(`Could not run now: ${e.message}`, 'error');
    } finally {
      runNow.disabled = false;
    }
  });
  toggle.addEventListener('click', async () => {
    toggle.disabled = true;
    try {
      const data = await api('PATCH', '/api/tasks', { body: { id, enabled: !task.enabled } });
      task = data.tasks[0];
      drawHead();
      notify(task.enabled ? 'Task enabled: it fires from its next slot.' : 'Task disabled: it no longer fires.', 'ok');
    } catch (e) {
      notify(`Could not change it: ${e.message}`, 'error');
    } finally {
      toggle.disabled = false;
    }
  });
  remove.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: 'Delete this task?',
      message: `“${task.title}” stops firing and is removed. Its past runs stay readable by run id.`,
      confirm: 'Delete task',
      danger: true,
    });
    if (!ok) return;
    try {
      await api('DELETE', '/api/tasks', { body: { id } });
      rememberTitle(id, null);
      navigate('#/tasks', { notice: { content: ['Deleted “', task.title, '”.'], kind: 'ok' } });
    } catch (e) {
      notify(`Could not delete: ${e.message}`, 'error');
    }
  });

  function drawAll() {
    const { form, showError, clearErrors } = taskForm({
      mode: 'edit',
      task,
      submitLabel: 'Save changes',
      onSubmit: async (body) => {
        clearErrors();
        if (Object.keys(body).length === 0) {
          notify('Nothing changed.', 'ok');
          return;
        }
        try {
          const data = await api('PATCH', '/api/tasks', { body: { id, ...body } });
          task = data.tasks[0];
          rememberTitle(task.id, task.title);
          notify('Saved.', 'ok');
          drawAll();
        } catch (e) {
          showError(e);
        }
      },
    });
    drawHead();
    replace(
      content,
      h('p', { class: 'crumbs' }, link('#/tasks', 'Tasks'), ' / '),
      h('div', { class: 'page-head' }, h('div', { class: 'title-line' }, heading, stateBadge), h('div', { class: 'tools' }, runNow, toggle, remove)),
      summaryBox,
      h(
        'section',
        { class: 'card', id: 'task-runs' },
        h('div', { class: 'card-head' }, h('h2', null, 'Runs'), link(route('/runs', { task_id: id }), 'Open in the runs page')),
        runs.element,
      ),
      h('section', { class: 'card' }, h('h2', null, 'Edit'), form),
    );
  }

  // The summary (next fires, state) and the newest runs refresh while the tab is visible; the
  // form is left alone so an edit in progress is never overwritten.
  async function refresh() {
    const fresh = await getTask(id);
    if (!current() || !fresh) return;
    task = fresh;
    drawHead();
    await runs.refresh();
  }

  getTask(id).then(
    (found) => {
      if (!current()) return;
      if (!found) {
        replace(content, h('h1', null, 'Task not found'), h('p', null, 'It may have been deleted, or it belongs to an account outside your scope. ', link('#/tasks', 'All tasks')));
        return;
      }
      task = found;
      rememberTitle(task.id, task.title);
      drawAll();
      runs.refresh().catch(() => {});
      stop = poll(refresh, REFRESH_MS);
    },
    (e) => {
      if (!current()) return;
      replace(content, h('h1', null, 'Could not load the task'), h('p', { class: 'field-error' }, e.message));
    },
  );
  return () => stop && stop();
}

export function render(main, context) {
  if (context.id === 'new') return renderNew(main, context);
  return renderTask(main, context);
}
