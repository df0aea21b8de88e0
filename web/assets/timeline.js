// Upcoming fires across all enabled tasks for the next 24 hours. The API gives each task its
// next five fire times (`upcoming`); a task whose fifth fire is still inside the window fires
// more often than that, and the page says so instead of guessing the rest.

import { api } from './api.js';
import { h, link, replace, route } from './dom.js';
import { clock, dateTime, localZone } from './format.js';

const WINDOW_MS = 24 * 3600 * 1000;
const PAGE_SIZE = 500;
const FIRST_ROWS = 300;

export function render(main, { current }) {
  document.title = 'Timeline · backbeat';
  const status = h('p', { class: 'muted', id: 'timeline-status' }, 'Loading tasks…');
  const chart = h('div', { class: 'chart', id: 'timeline-chart', role: 'img' });
  const list = h('div', { id: 'timeline-list' });
  const refresh = h('button', { type: 'button', id: 'timeline-refresh' }, 'Refresh');
  main.append(
    h('div', { class: 'page-head' }, h('h1', null, 'Next 24 hours'), h('div', { class: 'tools' }, refresh)),
    status,
    h('section', { class: 'card' }, h('h2', null, 'Known fires per hour'), chart),
    h('section', { class: 'card' }, h('h2', null, 'Fires'), list),
  );

  async function loadAll() {
    const tasks = [];
    let cursor = null;
    do {
      const data = await api('GET', '/api/tasks', { query: { enabled: 'true', limit: PAGE_SIZE, cursor } });
      if (!current()) return null;
      tasks.push(...data.tasks);
      cursor = data.next_cursor;
      status.textContent = `Loading tasks… ${tasks.length}`;
    } while (cursor);
    return tasks;
  }

  function draw(tasks, now) {
    const end = now + WINDOW_MS;
    const fires = [];
    let partial = 0;
    for (const task of tasks) {
      const times = task.upcoming.map((t) => new Date(t).getTime());
      const inside = times.filter((t) => t > now - 60000 && t <= end);
      const more = times.length > 0 && times.length === 5 && times[times.length - 1] <= end;
      if (more) partial += 1;
      inside.forEach((t, i) => fires.push({ t, task, last: more && i === inside.length - 1 }));
    }
    fires.sort((a, b) => a.t - b.t);
    const taskCount = new Set(fires.map((f) => f.task.id)).size;

    replace(
      status,
      `${fires.length} known fire${fires.length === 1 ? '' : 's'} of ${taskCount} task${taskCount === 1 ? '' : 's'} between ${dateTime(new Date(now).toISOString())} and ${dateTime(new Date(end).toISOString())} (${localZone}). `,
      partial > 0
        ? h(
            'strong',
            { id: 'timeline-partial' },
            `${partial} task${partial === 1 ? ' fires' : 's fire'} more often than shown: the API lists each task's next 5 fire times, so those tasks show their first 5 here (marked “and more”).`,
          )
        : null,
    );

    // Fires per hour as bars (heights set through the CSSOM, which the CSP allows).
    const buckets = new Array(24).fill(0);
    for (const f of fires) buckets[Math.min(23, Math.max(0, Math.floor((f.t - now) / 3600000)))] += 1;
    const peak = Math.max(1, ...buckets);
    chart.setAttribute('aria-label', `Known fires per hour for the next 24 hours: ${buckets.join(', ')}`);
    replace(
      chart,
      buckets.map((count, i) => {
        const bar = h('div', { class: 'bar' });
        bar.style.height = `${Math.round((count / peak) * 100)}%`;
        const label = clock(new Date(now + i * 3600000).toISOString()).slice(0, 5);
        return h('div', { class: 'column', title: `${label}: ${count} fire${count === 1 ? '' : 's'}` }, h('div', { class: 'bar-area' }, bar), h('div', { class: 'count small' }, count ? String(count) : ''), h('div', { class: 'hour small muted' }, i % 3 === 0 ? label : ''));
      }),
    );

    if (fires.length === 0) {
      replace(list, h('p', { class: 'muted' }, 'Nothing is due to fire in the next 24 hours.'));
      return;
    }
    // Rows grouped by hour; long lists grow on request so a thousand tasks stay quick.
    const table = h('tbody');
    let shown = 0;
    let lastHour = null;
    const more = h('button', { type: 'button', id: 'timeline-more' }, 'Show more');
    const counter = h('p', { class: 'muted' });
    function addRows(n) {
      const rows = document.createDocumentFragment();
      const stopAt = Math.min(fires.length, shown + n);
      for (; shown < stopAt; shown += 1) {
        const f = fires[shown];
        const iso = new Date(f.t).toISOString();
        const hour = dateTime(iso).slice(0, 13);
        if (hour !== lastHour) {
          rows.append(h('tr', { class: 'group' }, h('th', { colspan: 3 }, `${hour}:00`)));
          lastHour = hour;
        }
        rows.append(
          h(
            'tr',
            { dataset: { taskId: f.task.id } },
            h('td', null, h('time', { datetime: iso, title: `${iso} · ${dateTime(iso, f.task.timezone)} ${f.task.timezone}` }, clock(iso))),
            h('td', { class: 'title' }, link(route(`/tasks/${f.task.id}`), f.task.title), f.last ? h('span', { class: 'badge more' }, 'and more') : null),
            h('td', null, h('span', { class: 'small' }, f.task.schedule_description || f.task.schedule), h('span', { class: 'muted small' }, ` (${f.task.timezone})`)),
          ),
        );
      }
      table.append(rows);
      more.hidden = shown >= fires.length;
      counter.textContent = `${shown} of ${fires.length} fires shown.`;
    }
    more.addEventListener('click', () => addRows(FIRST_ROWS));
    replace(list, h('table', { class: 'list timeline-table' }, table), h('div', { class: 'list-foot' }, counter, more));
    addRows(FIRST_ROWS);
  }

  async function load() {
    refresh.disabled = true;
    try {
      const tasks = await loadAll();
      if (tasks === null) return;
      draw(tasks, Date.now());
    } catch (e) {
      if (!current()) return;
      status.textContent = `Could not load tasks: ${e.message}`;
      status.className = 'field-error';
    } finally {
      refresh.disabled = false;
    }
  }
  refresh.addEventListener('click', load);
  load();
}
