// Formatting of times, durations and run statuses for display.

import { h } from './dom.js';

// The browser's zone: list pages show times in it and say so in the top bar.
export const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const formatters = new Map();
function formatter(zone) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  return f;
}

// "2026-03-27 09:00:00" in `zone` (default: the browser's); '' for null.
export function dateTime(iso, zone = localZone) {
  if (!iso) return '';
  const parts = {};
  try {
    for (const p of formatter(zone).formatToParts(new Date(iso))) parts[p.type] = p.value;
  } catch {
    return iso;
  }
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

// "HH:MM:SS" in the browser's zone.
export function clock(iso) {
  return dateTime(iso).slice(11);
}

// "in 5 min", "3 h ago", "just now".
export function relative(iso, now = Date.now()) {
  if (!iso) return '';
  const delta = new Date(iso).getTime() - now;
  const abs = Math.abs(delta);
  let text;
  if (abs < 5000) return 'just now';
  if (abs < 60000) text = `${Math.round(abs / 1000)} s`;
  else if (abs < 3600000) text = `${Math.round(abs / 60000)} min`;
  else if (abs < 86400000) text = `${(abs / 3600000).toFixed(abs < 36000000 ? 1 : 0)} h`;
  else text = `${Math.round(abs / 86400000)} d`;
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

// "850 ms", "12.3 s", "4 min 05 s".
export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60000);
  const seconds = Math.round((ms % 60000) / 1000);
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

// A <time> showing the local date and time, with the UTC instant as its tooltip.
export function timeCell(iso, { withRelative = false } = {}) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h(
    'time',
    { datetime: iso, title: iso },
    dateTime(iso),
    withRelative ? h('span', { class: 'muted small', dataset: { relativeTo: iso } }, ' · ' + relative(iso)) : null,
  );
}

// Brings the "3 min ago" texts timeCell wrote under `root` up to date (for rows a live list
// keeps across refreshes).
export function refreshRelative(root) {
  const now = Date.now();
  for (const el of root.querySelectorAll('[data-relative-to]')) {
    el.textContent = ' · ' + relative(el.dataset.relativeTo, now);
  }
}

export const RUN_STATUSES = [
  'QUEUED',
  'DELAYED',
  'EXECUTING',
  'REATTEMPTING',
  'COMPLETED',
  'FAILED',
  'CANCELED',
  'CRASHED',
  'INTERRUPTED',
  'SYSTEM_FAILURE',
];

const ACTIVE = new Set(['QUEUED', 'DELAYED', 'EXECUTING', 'REATTEMPTING']);

// Whether a run may still change (and can be canceled).
export function isActive(status) {
  return ACTIVE.has(status);
}

export function statusBadge(status) {
  return h('span', { class: `badge status-${String(status).toLowerCase()}` }, status);
}
