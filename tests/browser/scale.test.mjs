// The dashboard with 1,000 tasks and 10,000 runs: every page renders within a bound, pages
// through the API instead of loading everything at once, and the main thread never blocks long
// enough for a person to notice (Chromium's long-task entries, including during live refresh).

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launchBrowser, signIn, watchPage } from './lib/browser.mjs';
import { artifactsDir, startServer } from './lib/server.mjs';

const TASKS = 1000;
const RUNS_PER_TASK = 10;
const ARTIST = '123e4567-e89b-42d3-a456-426614174000';
const SCHEDULES = ['0 9 * * 4', '*/15 * * * *', '0 * * * *', '30 2 * * *', '@daily', '0 */6 * * *', '15 8 * * MON-FRI', '0 12 1 * *'];
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'];
const FREQUENT = new Set(['* * * * *', '*/15 * * * *', '0 * * * *']);

// Bounds for a busy two-core machine: several times what the pages take here even under a load
// average of 10 (first page 0.4 s, further pages up to 1 s, longest main-thread task 0.3 s),
// so a slow CI machine passes; that the lists page through the API is asserted separately.
const FIRST_PAGE_MS = 8000;
const NEXT_PAGE_MS = 5000;
const TIMELINE_MS = 20000;
const LONGEST_TASK_MS = 1500;

const shots = artifactsDir();
// The top of the page, as a person arriving on it sees it.
async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

// Runs `fn` over `items` with at most `width` in flight.
async function pool(items, width, fn) {
  let next = 0;
  const workers = Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  });
  await Promise.all(workers);
}

async function timed(fn) {
  const start = performance.now();
  await fn();
  return Math.round(performance.now() - start);
}

describe(`dashboard at ${TASKS} tasks and ${TASKS * RUNS_PER_TASK} runs`, () => {
  let server;
  let browser;
  let page;
  let watch;
  const tasks = [];
  const timings = {};

  before(async () => {
    server = await startServer([]);
    const createMs = await timed(() =>
      pool([...Array(TASKS).keys()], 16, async (i) => {
        // Every 50th task fires every minute, more often than its five listed fire times cover.
        const schedule = i % 50 === 0 ? '* * * * *' : SCHEDULES[i % SCHEDULES.length];
        const r = await server.api('POST', '/api/tasks', {
          title: `Task ${String(i).padStart(4, '0')}`,
          prompt: `Prompt ${i}`,
          schedule,
          timezone: ZONES[i % ZONES.length],
          artist_account_id: ARTIST,
          overlap: 'allow',
        });
        assert.equal(r.status, 200, r.text);
        tasks[i] = r.body.tasks[0];
      }),
    );
    const triggers = tasks.flatMap((t) => Array(RUNS_PER_TASK).fill(t.id));
    const triggerMs = await timed(() =>
      pool(triggers, 16, async (id) => {
        const r = await server.api('POST', '/api/tasks/trigger', { id });
        assert.equal(r.status, 200, r.text);
      }),
    );
    timings.setup = { createMs, triggerMs };

    browser = await launchBrowser();
    // Chromium reports main-thread work over 50 ms as long tasks; keep every one.
    await browser.context.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__longTasks.push(Math.round(entry.duration));
      }).observe({ type: 'longtask', buffered: true });
    });
    page = await browser.context.newPage();
    page.setDefaultTimeout(30000);
    watch = watchPage(page);
    await signIn(page, server.url, server.adminKey);
  });

  after(async () => {
    console.log(`# timings ${JSON.stringify(timings)}`);
    await browser?.close();
    await server?.stop();
  });

  async function longestTask() {
    const tasksMs = await page.evaluate(() => window.__longTasks.splice(0));
    return Math.max(0, ...tasksMs);
  }

  test('all the runs exist', async () => {
    // Paged through the API: 100 per page.
    let count = 0;
    let cursor = null;
    do {
      const r = await server.api('GET', `/api/tasks/runs?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(r.status, 200, r.text);
      count += r.body.runs.length;
      cursor = r.body.next_cursor;
    } while (cursor);
    assert.ok(count >= TASKS * RUNS_PER_TASK, `only ${count} runs`);
  });

  test('the task list shows 100 at a time and loads all 1,000 page by page', async () => {
    await longestTask();
    const rows = page.locator('#tasks-table tbody tr');
    await page.goto(`${server.url}/#/tasks`);
    // From a fresh load of the page to its first hundred rows.
    const first = await timed(async () => {
      await page.reload();
      await page.waitForFunction(() => document.querySelectorAll('#tasks-table tbody tr').length === 100);
    });
    assert.ok(first < FIRST_PAGE_MS, `first page took ${first} ms`);
    const pages = [];
    while (await page.isVisible('#tasks-more')) {
      const n = await rows.count();
      pages.push(
        await timed(async () => {
          await page.click('#tasks-more');
          await page.waitForFunction((before) => document.querySelectorAll('#tasks-table tbody tr').length > before, n);
        }),
      );
    }
    assert.equal(await rows.count(), TASKS);
    assert.equal(pages.length, TASKS / 100 - 1);
    assert.ok(Math.max(...pages) < NEXT_PAGE_MS, `pages took ${pages.join(', ')} ms`);
    // Newest first: the last task created is on top, and every row is a different task.
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.taskId));
    assert.equal(new Set(ids).size, TASKS);
    assert.equal(await page.textContent('#tasks-status'), `${TASKS} tasks shown.`);
    const longest = await longestTask();
    assert.ok(longest < LONGEST_TASK_MS, `the main thread blocked for ${longest} ms`);
    timings.tasks = { first, pages, longest };
    await shot(page, 'scale-01-tasks');
  });

  test('the run list renders its first page, filters, pages and refreshes without blocking', async () => {
    await longestTask();
    const rows = page.locator('table.runs tbody tr');
    const first = await timed(async () => {
      await page.click('#nav a[data-nav="runs"]');
      await page.waitForFunction(() => document.querySelectorAll('table.runs tbody tr').length === 50);
    });
    assert.ok(first < FIRST_PAGE_MS, `first page took ${first} ms`);

    const filtered = await timed(async () => {
      await page.selectOption('#status-filter', 'COMPLETED');
      await page.waitForURL(/status=COMPLETED/);
      await page.waitForFunction(() => {
        const trs = [...document.querySelectorAll('table.runs tbody tr')];
        return trs.length === 50 && trs.every((tr) => tr.dataset.status === 'COMPLETED');
      });
    });
    assert.ok(filtered < FIRST_PAGE_MS, `filtering took ${filtered} ms`);

    const pages = [];
    for (let i = 0; i < 5; i += 1) {
      const n = await rows.count();
      pages.push(
        await timed(async () => {
          await page.click('.runs-more');
          await page.waitForFunction((before) => document.querySelectorAll('table.runs tbody tr').length > before, n);
        }),
      );
    }
    assert.equal(await rows.count(), 300);
    assert.ok(Math.max(...pages) < NEXT_PAGE_MS, `pages took ${pages.join(', ')} ms`);

    // Live refresh goes on with 300 rows shown: the "updated" time moves, the rows stay.
    const stamp = await page.textContent('.runs-status');
    await page.waitForFunction((s) => document.querySelector('.runs-status').textContent !== s, stamp, { timeout: 10000 });
    assert.equal(await rows.count(), 300);
    const longest = await longestTask();
    assert.ok(longest < LONGEST_TASK_MS, `the main thread blocked for ${longest} ms`);
    timings.runs = { first, filtered, pages, longest };
    await shot(page, 'scale-02-runs');

    // One task's runs.
    const task = tasks[TASKS - 1];
    await page.goto(`${server.url}/#/runs?task_id=${task.id}`);
    await page.waitForSelector(`#task-filter-note a[href="#/tasks/${task.id}"]`);
    await page.waitForFunction((n) => document.querySelectorAll('table.runs tbody tr').length >= n, RUNS_PER_TASK);
  });

  test('a task page shows its runs', async () => {
    const task = tasks[7];
    await page.goto(`${server.url}/#/tasks/${task.id}`);
    await page.waitForFunction((n) => document.querySelectorAll('#task-runs tbody tr').length >= n, RUNS_PER_TASK);
    assert.equal(await page.textContent('#task-title'), task.title);
    assert.equal(await page.textContent('#task-description'), task.schedule_description);
    await shot(page, 'scale-03-task');
  });

  test('the timeline reads every task and shows the fires of the next 24 hours', async () => {
    await longestTask();
    const ms = await timed(async () => {
      await page.click('#nav a[data-nav="timeline"]');
      await page.waitForSelector('#timeline-list tbody tr[data-task-id]', { timeout: TIMELINE_MS });
    });
    assert.ok(ms < TIMELINE_MS, `the timeline took ${ms} ms`);
    const status = await page.textContent('#timeline-status');
    const match = status.match(/^(\d+) known fires of (\d+) tasks/);
    assert.ok(match, status);
    // Every task fires within a day except the weekly (Thursdays), weekday and monthly ones.
    assert.ok(Number(match[2]) >= TASKS / 2, status);
    // Tasks whose fifth listed fire is inside the window (every minute, every 15 minutes,
    // hourly) are said to fire more often than shown.
    const frequent = tasks.filter((t) => FREQUENT.has(t.schedule)).length;
    assert.match(status, new RegExp(`${frequent} tasks fire more often than shown`));
    const shown = await page.locator('#timeline-list tbody tr[data-task-id]').count();
    assert.equal(shown, 300);
    await page.click('#timeline-more');
    await page.waitForFunction(() => document.querySelectorAll('#timeline-list tbody tr[data-task-id]').length === 600);
    // Then every row: each frequent task's last listed fire, wherever the time of day puts it,
    // carries the "and more" badge, and no other row does.
    while (await page.isVisible('#timeline-more')) {
      const rows = await page.locator('#timeline-list tbody tr[data-task-id]').count();
      await page.click('#timeline-more');
      await page.waitForFunction((n) => document.querySelectorAll('#timeline-list tbody tr[data-task-id]').length > n, rows);
    }
    assert.equal(await page.locator('#timeline-list .badge.more').count(), frequent);
    const longest = await longestTask();
    assert.ok(longest < LONGEST_TASK_MS, `the main thread blocked for ${longest} ms`);
    timings.timeline = { ms, longest };
    await shot(page, 'scale-04-timeline');
  });

  test('no script errors', () => {
    assert.deepEqual(watch.problems, []);
    assert.deepEqual(watch.failedLoads, []);
  });
});
