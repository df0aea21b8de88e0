// One real `backbeat serve` for a browser test: the binary named by BACKBEAT_BINARY (ctest sets
// it; default build/release/backbeat), 127.0.0.1 port 0, a fresh temporary directory holding the
// SQLite database, the admin key file the first start writes beside it, and the server's log.
// The port is read from the `listening` log line, as tests/e2e/server_fixture.cpp does.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function binaryPath() {
  const binary = path.resolve(process.env.BACKBEAT_BINARY || path.join(REPO, 'build/release/backbeat'));
  if (!fs.existsSync(binary)) throw new Error(`backbeat binary not found: ${binary} (build it, or set BACKBEAT_BINARY)`);
  return binary;
}

// Where screenshots go: BACKBEAT_BROWSER_ARTIFACTS (ctest: build/<preset>/browser), else a
// temporary directory.
export function artifactsDir() {
  const dir = process.env.BACKBEAT_BROWSER_ARTIFACTS || path.join(os.tmpdir(), 'backbeat-browser-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function startServer(extraArgs = [], { within = 15000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backbeat-browser-'));
  const logPath = path.join(dir, 'server.log');
  const log = fs.openSync(logPath, 'a', 0o600);
  // The developer's BACKBEAT_* settings must not change what the test sees.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BACKBEAT_')));
  const args = ['serve', '--db', `sqlite:${path.join(dir, 'backbeat.db')}`, '--listen', '127.0.0.1:0', '--rate-limit', '0', ...extraArgs];
  const child = spawn(binaryPath(), args, { cwd: dir, env, stdio: ['ignore', 'ignore', log] });
  fs.closeSync(log);
  let exited = null;
  let spawnError = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = code ?? 128;
      resolve(signal ? `signal ${signal}` : `code ${code}`);
    });
    child.on('error', (error) => {
      spawnError = error;
      exited = -1;
      resolve(`error ${error.message}`);
    });
  });

  const readLog = () => fs.readFileSync(logPath, 'utf8');
  const deadline = Date.now() + within;
  let port = 0;
  while (!port) {
    for (const line of readLog().split('\n')) {
      try {
        const record = JSON.parse(line);
        if (record.msg === 'listening' && Number.isInteger(record.port)) port = record.port;
      } catch {
        // not a JSON line (yet)
      }
    }
    if (port) break;
    if (spawnError) throw new Error(`cannot start backbeat: ${spawnError.message}`);
    if (exited !== null) throw new Error(`backbeat exited before listening:\n${readLog()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`backbeat did not listen within ${within} ms:\n${readLog()}`);
    }
    await sleep(20);
  }
  const adminKey = fs.readFileSync(path.join(dir, 'admin.key'), 'utf8').trim();
  const url = `http://127.0.0.1:${port}`;

  // A JSON API call as the admin (or `key`); resolves {status, body}.
  async function api(method, target, body, key = adminKey) {
    const headers = { 'x-api-key': key };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url + target, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: response.status, body: json, text };
  }

  async function stop() {
    if (exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exit;
      clearTimeout(timer);
    }
    if (!process.env.BACKBEAT_BROWSER_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  }

  return { url, port, dir, adminKey, api, stop, readLog };
}
