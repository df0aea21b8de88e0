// The one way the dashboard talks to the API. The key lives in sessionStorage (gone when the tab
// closes, never in a URL or a cookie) and goes out as `x-api-key`. A failed call throws an
// ApiError carrying the API's own message and the field it names, so forms show exactly what
// the API says.

const KEY_NAME = 'backbeat.apiKey';

export function apiKey() {
  return sessionStorage.getItem(KEY_NAME);
}
export function setApiKey(key) {
  sessionStorage.setItem(KEY_NAME, key);
}
export function clearApiKey() {
  sessionStorage.removeItem(KEY_NAME);
}

export class ApiError extends Error {
  constructor(status, message, field = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // HTTP status; 0 when the server could not be reached
    this.field = field; // the first problem's field (missing_fields[0]), if any
  }
}

let onUnauthorized = () => {};
// Called with the error when the stored key is refused (401), e.g. after it was revoked.
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

// api('GET', '/api/tasks', {query: {limit: 100}}) -> the parsed body.
// `body` is sent as JSON; `key` overrides the stored key (sign-in tries a key before storing it).
export async function api(method, path, { query, body, key, signal } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') {
      url.searchParams.set(name, String(value));
    }
  }
  const headers = { 'x-api-key': key ?? apiKey() ?? '' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'The server cannot be reached.');
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = (data && (data.error || data.message)) || `HTTP ${response.status}`;
    const field = data && Array.isArray(data.missing_fields) ? data.missing_fields[0] || null : null;
    const error = new ApiError(response.status, message, field);
    if (response.status === 401 && key === undefined) onUnauthorized(error);
    throw error;
  }
  return data;
}

// One task by id, or null when there is none the caller may see.
export async function getTask(id) {
  const data = await api('GET', '/api/tasks', { query: { id, limit: 1 } });
  return data.tasks[0] || null;
}

// Task titles by id for run lists: each id is asked once (deleted tasks answer null).
const titles = new Map();
export function taskTitle(id) {
  let entry = titles.get(id);
  if (!entry) {
    entry = getTask(id)
      .then((task) => (task ? task.title : null))
      .catch((e) => {
        titles.delete(id);
        throw e;
      });
    titles.set(id, entry);
  }
  return entry;
}
export function rememberTitle(id, title) {
  titles.set(id, Promise.resolve(title));
}
export function forgetTitles() {
  titles.clear();
}

// The task id of a run, from its `task:<id>` tag.
export function runTaskId(run) {
  const tag = (run.tags || []).find((t) => t.startsWith('task:'));
  return tag ? tag.slice(5) : null;
}
