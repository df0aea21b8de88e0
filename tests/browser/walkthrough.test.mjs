// The dashboard in a real browser against the real binary, as a person uses it: sign in, create
// a task through the form (the API's validation messages shown beside the fields), see it fire,
// open the run, edit, browse the lists and the timeline, delete the task with confirmation; on a
// server that executes nothing, run a task now and cancel the queued run. Screenshots of every
// page go to the artifacts directory.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launchBrowser, signIn, watchPage } from './lib/browser.mjs';
import { artifactsDir, startServer } from './lib/server.mjs';

const ARTIST = '123e4567-e89b-42d3-a456-426614174000';
const shots = artifactsDir();
const shot = (page, name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

describe('dashboard walkthrough', () => {
  let server;
  let browser;
  let page;
  let watch;

  before(async () => {
    // Sub-minute schedules (6-field cron) so a task fires within seconds.
    server = await startServer(['--allow-seconds']);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.setDefaultTimeout(15000);
    watch = watchPage(page);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  let taskId;
  let runId;
  const title = 'Genre pulse <img src=x onerror="window.__xss=1">';

  test('sign-in refuses a wrong key with the API message and keeps the right one out of the URL', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForURL(/#\/signin$/);
    assert.equal(await page.isHidden('#nav'), true);
    await page.fill('#api-key', 'bb_sk_not-a-real-key');
    await page.click('form.signin button[type=submit]');
    await page.waitForSelector('#signin-error:not([hidden])');
    assert.equal(await page.textContent('#signin-error'), 'Unauthorized');
    await shot(page, '01-signin');

    await page.fill('#api-key', server.adminKey);
    await page.click('form.signin button[type=submit]');
    await page.waitForURL(/#\/tasks$/);
    await page.waitForSelector('#tasks-status:has-text("No tasks yet")');
    assert.ok(!page.url().includes(server.adminKey), page.url());
    assert.equal(await page.evaluate(() => sessionStorage.getItem('backbeat.apiKey')), server.adminKey);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.equal(await page.evaluate(() => document.cookie), '');
    assert.equal(await page.isVisible('#nav'), true);
  });

  test('the create form shows the API validation message beside the field it names', async () => {
    await page.click('#new-task');
    await page.waitForURL(/#\/tasks\/new$/);
    // Nothing filled in: the first problem is the title, worded by the API.
    await page.click('#task-submit');
    await page.waitForSelector('#field-title-error:not([hidden])');
    const emptyApi = await server.api('POST', '/api/tasks', { title: '', prompt: '', schedule: '', artist_account_id: '', timezone: 'UTC', enabled: true, overlap: 'skip', catchup: 'latest', catchup_window_seconds: 3600, max_attempts: 3, timeout_seconds: 3600 });
    assert.equal(emptyApi.status, 400);
    assert.equal(await page.textContent('#field-title-error'), emptyApi.body.error);
    assert.equal(await page.getAttribute('#field-title', 'aria-invalid'), 'true');

    await page.fill('#field-title', title);
    await page.fill('#field-prompt', 'Summarise this week’s genre trends.');
    await page.fill('#field-schedule', '0 25 * * *');
    await page.fill('#field-artist_account_id', ARTIST);
    await page.click('#task-submit');
    await page.waitForSelector('#field-schedule-error:not([hidden])');
    const message = await page.textContent('#field-schedule-error');
    assert.equal(message, 'schedule is not a valid cron expression: hour value 25 out of range 0-23');
    assert.equal(await page.isHidden('#field-title-error'), true);
    await shot(page, '02-new-task-invalid');

    await page.fill('#field-schedule', '*/2 * * * * *');
    await page.fill('#field-timezone', 'Mars/Olympus');
    await page.click('#task-submit');
    await page.waitForSelector('#field-timezone-error:not([hidden])');
    assert.equal(await page.textContent('#field-timezone-error'), 'timezone must be a valid IANA time zone');
    await page.fill('#field-timezone', 'Europe/Berlin');
    await page.fill('#field-max_attempts', '1.5');
    await page.click('#task-submit');
    await page.waitForSelector('#field-max_attempts-error:not([hidden])');
    assert.equal(await page.textContent('#field-max_attempts-error'), 'Invalid input: expected int, received number');
    await page.fill('#field-max_attempts', '2');
    await page.click('#task-submit');

    await page.waitForURL(/#\/tasks\/[0-9a-f-]{36}$/);
    taskId = page.url().split('/').pop();
    await page.waitForSelector('#notice:has-text("Task created.")');
    // The title is shown as text: the markup in it is not parsed, its handler never runs.
    assert.equal(await page.textContent('#task-title'), title);
    assert.equal(await page.locator('#task-title img').count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(await page.textContent('#task-description'), 'Every 2 seconds');
    assert.equal(await page.locator('#upcoming li').count(), 5);

    const stored = await server.api('GET', `/api/tasks?id=${taskId}`);
    const task = stored.body.tasks[0];
    assert.equal(task.title, title);
    assert.equal(task.schedule, '*/2 * * * * *');
    assert.equal(task.timezone, 'Europe/Berlin');
    assert.equal(task.max_attempts, 2);
    assert.equal(task.model, null);
  });

  test('the task fires and its run appears on the task page without a reload', async () => {
    const completed = page.locator('#task-runs tbody tr[data-status="COMPLETED"]');
    await completed.first().waitFor({ timeout: 20000 });
    await shot(page, '03-task');
    runId = await completed.first().getAttribute('data-run-id');
    assert.match(runId, /^run_[0-9a-z]{24}$/);
  });

  test('the run page shows status, timeline, attempts and output', async () => {
    await page.click(`#task-runs a[href="#/runs/${runId}"]`);
    await page.waitForURL(new RegExp(`#/runs/${runId}$`));
    await page.waitForSelector('#run-status');
    assert.equal(await page.textContent('#run-status'), 'COMPLETED');
    assert.equal(await page.locator('#attempts-table tbody tr').count(), 1);
    assert.match(await page.textContent('#attempts-table tbody tr'), /COMPLETED/);
    const output = JSON.parse(await page.textContent('#run-output'));
    assert.equal(output.executor, 'dry-run');
    const events = await page.locator('#run-timeline li').allTextContents();
    assert.ok(events.length >= 4, events.join(' | '));
    assert.match(events[0], /^Created/);
    assert.match(events.at(-1), /^Finished: COMPLETED/);
    assert.equal(await page.isHidden('#cancel-run'), true);
    assert.equal(await page.isVisible('#replay-run'), true);
    // The task link shows the task's title.
    await page.waitForSelector(`a[href="#/tasks/${taskId}"]:has-text("Genre pulse")`);
    await shot(page, '04-run');
  });

  test('editing sends only the changed fields and shows API messages', async () => {
    await page.goto(`${server.url}/#/tasks/${taskId}`);
    await page.waitForSelector('#edit-task-form');
    await page.fill('#field-catchup_window_seconds', '-5');
    await page.click('#task-submit');
    await page.waitForSelector('#field-catchup_window_seconds-error:not([hidden])');
    assert.equal(await page.textContent('#field-catchup_window_seconds-error'), 'Too small: expected number to be >=0');
    await page.fill('#field-catchup_window_seconds', '600');
    await page.fill('#field-model', 'gpt-4o-mini');
    await page.selectOption('#field-overlap', 'allow');
    await page.click('#task-submit');
    await page.waitForSelector('#notice:has-text("Saved.")');
    const task = (await server.api('GET', `/api/tasks?id=${taskId}`)).body.tasks[0];
    assert.equal(task.catchup_window_seconds, 600);
    assert.equal(task.model, 'gpt-4o-mini');
    assert.equal(task.overlap, 'allow');
    assert.equal(task.title, title);
  });

  test('disable and enable from the task page', async () => {
    await page.click('#toggle-enabled');
    await page.waitForSelector('#task-state:has-text("disabled")');
    assert.match(await page.textContent('#upcoming'), /Disabled/);
    assert.equal((await server.api('GET', `/api/tasks?id=${taskId}`)).body.tasks[0].enabled, false);
    await page.click('#toggle-enabled');
    await page.waitForSelector('#task-state:has-text("enabled")');
    assert.equal((await server.api('GET', `/api/tasks?id=${taskId}`)).body.tasks[0].enabled, true);
  });

  test('the task list shows schedule, description, zone, state, next fire and last run', async () => {
    await page.click('#nav a[data-nav="tasks"]');
    await page.waitForURL(/#\/tasks$/);
    const row = page.locator(`#tasks-table tr[data-task-id="${taskId}"]`);
    await row.waitFor();
    let text = await row.textContent();
    // The task fires every 2 s, and its newest run is QUEUED or EXECUTING for the few ms until
    // its outcome commits: a list fetched in that window shows that status. Load it again then.
    for (let attempt = 0; attempt < 10 && !text.includes('COMPLETED'); attempt++) {
      await page.waitForTimeout(200);
      await page.reload();
      await row.waitFor();
      text = await row.textContent();
    }
    for (const part of ['*/2 * * * * *', 'Every 2 seconds', 'Europe/Berlin', 'enabled', 'COMPLETED']) {
      assert.ok(text.includes(part), `${part} missing from: ${text}`);
    }
    assert.equal(await row.locator('img').count(), 0);
    assert.match(await row.locator('td').nth(3).textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    await shot(page, '05-tasks');
  });

  test('the runs page filters by status and task and refreshes itself', async () => {
    await page.click('#nav a[data-nav="runs"]');
    await page.waitForURL(/#\/runs$/);
    await page.waitForSelector('table.runs tbody tr');
    await page.selectOption('#status-filter', 'COMPLETED');
    await page.waitForURL(/#\/runs\?status=COMPLETED$/);
    await page.waitForSelector('table.runs tbody tr');
    const statuses = await page.locator('table.runs tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.status));
    assert.ok(statuses.length > 0);
    assert.deepEqual([...new Set(statuses)], ['COMPLETED']);

    await page.fill('#task-filter', taskId);
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(new RegExp(`task_id=${taskId}`));
    await page.waitForSelector(`#task-filter-note a[href="#/tasks/${taskId}"]`);
    // Live: the task fires every 2 s, so new runs arrive on their own.
    const before = await page.locator('table.runs tbody tr').count();
    await page.waitForFunction((n) => document.querySelectorAll('table.runs tbody tr').length > n, before, { timeout: 15000 });
    await shot(page, '06-runs');

    await page.fill('#task-filter', 'not-a-uuid');
    await page.click('form.filters button[type=submit]');
    await page.waitForSelector('.runs-status.field-error');
    assert.equal(await page.textContent('.runs-status'), 'Could not load runs: task_id must be a valid UUID');
  });

  test('the timeline lists the known fires and says when a task fires more often', async () => {
    await page.click('#nav a[data-nav="timeline"]');
    await page.waitForURL(/#\/timeline$/);
    await page.waitForSelector('#timeline-list tr[data-task-id]');
    assert.equal(await page.locator(`#timeline-list tr[data-task-id="${taskId}"]`).count(), 5);
    assert.equal(await page.locator('#timeline-list .badge.more').count(), 1);
    assert.match(await page.textContent('#timeline-partial'), /1 task fires more often than shown/);
    assert.equal(await page.locator('#timeline-chart .column').count(), 24);
    await shot(page, '07-timeline');
  });

  test('delete asks for confirmation, then removes the task', async () => {
    await page.goto(`${server.url}/#/tasks/${taskId}`);
    await page.waitForSelector('#delete-task');
    await page.click('#delete-task');
    await page.waitForSelector('dialog.confirm[open]');
    await shot(page, '08-delete-confirm');
    await page.click('dialog.confirm button:has-text("Cancel")');
    await page.waitForSelector('dialog.confirm', { state: 'detached' });
    assert.equal((await server.api('GET', `/api/tasks?id=${taskId}`)).body.tasks.length, 1);

    await page.click('#delete-task');
    await page.click('dialog.confirm button:has-text("Delete task")');
    await page.waitForURL(/#\/tasks$/);
    await page.waitForSelector('#notice:has-text("Deleted")');
    assert.equal(await page.locator(`#tasks-table tr[data-task-id="${taskId}"]`).count(), 0);
    assert.equal((await server.api('GET', `/api/tasks?id=${taskId}`)).body.tasks.length, 0);
    // Its runs stay readable by id.
    assert.equal((await server.api('GET', `/api/tasks/runs?runId=${runId}`)).status, 200);
  });

  test('a refused key sends the user back to sign in; sign out forgets the key', async () => {
    await page.evaluate(() => sessionStorage.setItem('backbeat.apiKey', 'bb_sk_revoked'));
    await page.goto(`${server.url}/#/runs`);
    await page.waitForURL(/#\/signin$/);
    await page.waitForSelector('#notice:has-text("Please sign in again: Unauthorized")');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('backbeat.apiKey')), null);

    // Back where the user was sent away from.
    await signIn(page, server.url, server.adminKey);
    assert.match(page.url(), /#\/runs$/);
    await page.click('#signout');
    await page.waitForURL(/#\/signin$/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('backbeat.apiKey')), null);
  });

  test('no script errors and no content-security-policy violations', () => {
    assert.deepEqual(watch.problems, []);
    // Every failed load was an answer the tests asked for (401s and 400s), none a missing file.
    for (const line of watch.failedLoads) assert.match(line, /status of 40[01]/);
  });
});

describe('cancel a queued run', () => {
  let server;
  let browser;
  let page;
  let watch;

  before(async () => {
    // Executes nothing: a run started now stays QUEUED until canceled.
    server = await startServer(['--no-scheduler']);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.setDefaultTimeout(15000);
    watch = watchPage(page);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('run now, open the queued run, cancel it', async () => {
    const created = await server.api('POST', '/api/tasks', { title: 'Yearly report', prompt: 'p', schedule: '0 0 1 1 *', artist_account_id: ARTIST });
    assert.equal(created.status, 200, created.text);
    const taskId = created.body.tasks[0].id;

    await signIn(page, server.url, server.adminKey);
    await page.goto(`${server.url}/#/tasks/${taskId}`);
    await page.click('#run-now');
    await page.waitForSelector('#notice a[href^="#/runs/run_"]');
    const queuedRow = page.locator('#task-runs tbody tr[data-status="QUEUED"]');
    await queuedRow.waitFor();
    await page.click('#notice a[href^="#/runs/run_"]');
    await page.waitForURL(/#\/runs\/run_[0-9a-z]{24}$/);
    const runId = page.url().split('/').pop();
    await page.waitForSelector('#run-status');
    assert.equal(await page.textContent('#run-status'), 'QUEUED');
    assert.equal(await page.textContent('#run-output'), 'No output yet.');
    assert.equal(await page.textContent('#no-attempts'), 'No attempt has started yet.');
    await shot(page, '09-run-queued');

    await page.click('#cancel-run');
    await page.waitForSelector('#run-status:has-text("CANCELED")');
    await page.waitForSelector('#notice:has-text("Run canceled.")');
    assert.equal(await page.isHidden('#cancel-run'), true);
    const events = await page.locator('#run-timeline li').allTextContents();
    assert.match(events.at(-1), /^Finished: CANCELED/);
    assert.equal(await page.textContent('#no-attempts'), 'No attempt was made.');
    const run = (await server.api('GET', `/api/tasks/runs?runId=${runId}`)).body.runs[0];
    assert.equal(run.status, 'CANCELED');
    await shot(page, '10-run-canceled');

    // Canceling again is refused by the API, and the page says why.
    const again = await server.api('POST', '/api/tasks/runs/cancel', { runId });
    assert.equal(again.status, 409);
    assert.deepEqual(watch.problems, []);
  });
});
