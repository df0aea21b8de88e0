// Debian's chromium, headless, driven by playwright-core. Exactly the flags the project asks
// for, plus a fresh profile directory per launch (playwright passes it as --user-data-dir).
// No chromium is downloaded: a missing /usr/bin/chromium fails the test (./dev test installs
// the Debian package).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium package (./dev test does)`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'backbeat-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 860 },
    timezoneId: 'Europe/Berlin',
    locale: 'en-GB',
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Collects what a page reports that a user would not see: uncaught errors and console errors.
// The browser logs every 4xx/5xx fetch as "Failed to load resource"; those are answers the
// tests provoke on purpose and are kept apart from the rest.
export function watchPage(page) {
  const problems = [];
  const failedLoads = [];
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (text.startsWith('Failed to load resource: the server responded with a status of')) failedLoads.push(text);
    else problems.push(`console: ${text}`);
  });
  return { problems, failedLoads };
}

// Signs in through the form and waits to leave the sign-in page (for the task list, or the page
// the user was sent away from).
export async function signIn(page, baseUrl, key) {
  await page.goto(`${baseUrl}/#/signin`);
  await page.fill('#api-key', key);
  await page.click('form.signin button[type=submit]');
  await page.waitForURL((url) => url.hash !== '#/signin');
  await page.waitForSelector('#nav:not([hidden])');
}
