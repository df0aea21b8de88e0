// One run: its status timeline, attempts, output and error; cancel and replay. Refreshes itself
// while the run can still change.

import { api, runTaskId, taskTitle } from './api.js';
import { h, link, poll, replace, route } from './dom.js';
import { duration, isActive, statusBadge, timeCell } from './format.js';

const REFRESH_MS = 2000;

// The run's life as dated events, oldest first.
function events(run) {
  const out = [{ at: run.createdAt, label: 'Created', status: 'QUEUED' }];
  if (run.delayedUntil) out.push({ at: run.delayedUntil, label: 'Delayed until', status: 'DELAYED' });
  (run.attempts || []).forEach((attempt, i) => {
    const n = i + 1;
    if (attempt.startedAt) out.push({ at: attempt.startedAt, label: `Attempt ${n} started`, status: 'EXECUTING' });
    if (attempt.completedAt) {
      out.push({
        at: attempt.completedAt,
        label: `Attempt ${n} ended: ${attempt.status}`,
        detail: attempt.error ? `${attempt.error.name}: ${attempt.error.message}` : null,
        status: attempt.status,
      });
    }
  });
  if (run.expiredAt) out.push({ at: run.expiredAt, label: 'Expired before it started', status: 'CANCELED' });
  if (run.finishedAt) out.push({ at: run.finishedAt, label: `Finished: ${run.status}`, status: run.status });
  else out.push({ at: run.updatedAt, label: `Now ${run.status}`, status: run.status, current: true });
  return out.sort((a, b) => new Date(a.at) - new Date(b.at));
}

function timeline(run) {
  return h(
    'ol',
    { class: 'timeline', id: 'run-timeline' },
    events(run).map((e) =>
      h(
        'li',
        { class: `event status-${String(e.status).toLowerCase()}${e.current ? ' current' : ''}` },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        h('div', null, h('strong', null, e.label), ' ', h('span', { class: 'muted small' }, timeCell(e.at)), e.detail ? h('div', { class: 'small' }, e.detail) : null),
      ),
    ),
  );
}

function attemptsTable(run) {
  const attempts = run.attempts || [];
  if (attempts.length === 0) {
    return h('p', { class: 'muted', id: 'no-attempts' }, isActive(run.status) ? 'No attempt has started yet.' : 'No attempt was made.');
  }
  return h(
    'table',
    { class: 'list', id: 'attempts-table' },
    h('thead', null, h('tr', null, h('th', null, '#'), h('th', null, 'Attempt'), h('th', null, 'Status'), h('th', null, 'Started'), h('th', null, 'Completed'), h('th', null, 'Duration'), h('th', null, 'Error'))),
    h(
      'tbody',
      null,
      attempts.map((a, i) =>
        h(
          'tr',
          null,
          h('td', null, String(i + 1)),
          h('td', { class: 'mono' }, a.id),
          h('td', null, statusBadge(a.status)),
          h('td', null, timeCell(a.startedAt)),
          h('td', null, timeCell(a.completedAt)),
          h('td', null, a.startedAt && a.completedAt ? duration(new Date(a.completedAt) - new Date(a.startedAt)) : ''),
          h('td', null, a.error ? `${a.error.name}: ${a.error.message}` : ''),
        ),
      ),
    ),
  );
}

function pretty(value) {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

function fact(label, ...value) {
  return [h('dt', null, label), h('dd', null, ...value)];
}

export function render(main, { id, notify, navigate, current }) {
  document.title = `Run ${id} · backbeat`;
  const content = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  main.append(content);
  let run = null;
  let stop = null;

  const cancelButton = h('button', { type: 'button', id: 'cancel-run', class: 'danger' }, 'Cancel run');
  const replayButton = h('button', { type: 'button', id: 'replay-run' }, 'Replay');
  cancelButton.addEventListener('click', async () => {
    cancelButton.disabled = true;
    try {
      const data = await api('POST', '/api/tasks/runs/cancel', { body: { runId: id } });
      notify(`Run canceled.`, 'ok');
      draw(data.runs[0]);
    } catch (e) {
      notify(`Could not cancel: ${e.message}`, 'error');
      cancelButton.disabled = false;
      load().catch(() => {});
    }
  });
  replayButton.addEventListener('click', async () => {
    replayButton.disabled = true;
    try {
      const data = await api('POST', '/api/tasks/runs/replay', { body: { runId: id } });
      const copy = data.runs[0];
      navigate(route(`/runs/${copy.id}`), { notice: { content: ['Replayed as a new run: ', copy.id], kind: 'ok' } });
    } catch (e) {
      notify(`Could not replay: ${e.message}`, 'error');
      replayButton.disabled = false;
    }
  });

  function draw(next) {
    run = next;
    const taskId = runTaskId(run);
    const taskLink = taskId ? link(route(`/tasks/${taskId}`), taskId) : '—';
    if (taskId) {
      taskTitle(taskId).then(
        (title) => {
          if (title === null) taskLink.replaceWith(h('span', null, `${taskId} (deleted)`));
          else taskLink.textContent = title;
        },
        () => {},
      );
    }
    cancelButton.hidden = !isActive(run.status);
    cancelButton.disabled = false;
    replayButton.hidden = isActive(run.status);
    replayButton.disabled = false;
    const schedule = run.schedule && run.schedule.generator;
    const payload = run.payload || {};
    replace(
      content,
      h(
        'div',
        { class: 'page-head' },
        h('h1', null, 'Run ', h('span', { class: 'mono' }, run.id), ' ', h('span', { id: 'run-status' }, statusBadge(run.status))),
        h('div', { class: 'tools' }, cancelButton, replayButton),
      ),
      h(
        'div',
        { class: 'grid' },
        h(
          'section',
          { class: 'card' },
          h('h2', null, 'Details'),
          h(
            'dl',
            { class: 'facts' },
            fact('Task', taskLink),
            // Only scheduled runs have a slot; a run started now or replayed has no schedule.
            schedule ? fact('Slot', timeCell(payload.timestamp)) : fact('Started by', 'run now or replay (no schedule slot)'),
            schedule ? fact('Schedule', h('code', null, schedule.expression), ' ', schedule.description, payload.timezone ? ` (${payload.timezone})` : '') : null,
            fact('Created', timeCell(run.createdAt)),
            fact('Started', timeCell(run.startedAt)),
            fact('Finished', timeCell(run.finishedAt)),
            run.finishedAt && run.startedAt ? fact('Duration', duration(run.durationMs)) : null,
            run.ttl ? fact('Time to live', run.ttl) : null,
            run.expiredAt ? fact('Expired', timeCell(run.expiredAt)) : null,
            fact('Idempotency key', h('span', { class: 'mono small' }, run.idempotencyKey || '—')),
          ),
        ),
        h('section', { class: 'card' }, h('h2', null, 'Status timeline'), timeline(run)),
      ),
      h('section', { class: 'card' }, h('h2', null, 'Attempts'), attemptsTable(run)),
      run.error
        ? h(
            'section',
            { class: 'card error-card', id: 'run-error' },
            h('h2', null, 'Error'),
            h('p', null, h('strong', null, run.error.name), ': ', run.error.message),
            run.error.stackTrace ? h('pre', null, run.error.stackTrace) : null,
          )
        : null,
      h(
        'section',
        { class: 'card' },
        h('h2', null, 'Output'),
        run.output === null || run.output === undefined
          ? h('p', { class: 'muted', id: 'run-output' }, isActive(run.status) ? 'No output yet.' : 'No output.')
          : h('pre', { id: 'run-output' }, pretty(run.output)),
      ),
      h('details', { class: 'card' }, h('summary', null, 'Payload'), h('pre', { id: 'run-payload' }, pretty(run.payload))),
    );
    document.title = `${run.status} · Run ${run.id} · backbeat`;
    if (!isActive(run.status) && stop) {
      stop();
      stop = null;
    }
  }

  async function load() {
    const data = await api('GET', '/api/tasks/runs', { query: { runId: id } });
    if (!current()) return;
    draw(data.runs[0]);
  }

  load().then(
    () => {
      if (current() && run && isActive(run.status)) stop = poll(load, REFRESH_MS);
    },
    (e) => {
      if (!current()) return;
      replace(
        content,
        h('h1', null, e.status === 404 ? 'Run not found' : 'Could not load the run'),
        h('p', null, e.message),
        h('p', null, link('#/runs', 'All runs')),
      );
    },
  );
  return () => stop && stop();
}
