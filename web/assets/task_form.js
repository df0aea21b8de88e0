// The task form, shared by "new task" and the task page. It does not validate on its own: the
// API does, and its message is shown beside the field it names (missing_fields), so the form
// says exactly what the API says.

import { h } from './dom.js';

const ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

// The editable fields in API.md's declaration order (the order errors are reported in).
// kind: text | textarea | number | select | checkbox.
const FIELDS = [
  { name: 'title', label: 'Title', kind: 'text', required: true },
  { name: 'prompt', label: 'Prompt', kind: 'textarea', required: true },
  {
    name: 'schedule',
    label: 'Schedule (cron)',
    kind: 'text',
    required: true,
    hint: '5 fields (minute hour day-of-month month day-of-week), macros such as @daily, or 6 fields with leading seconds where the server allows them.',
  },
  { name: 'artist_account_id', label: 'Artist account id', kind: 'text', required: true, hint: 'The artist the prompt runs against (a UUID).' },
  { name: 'account_id', label: 'Owner account id', kind: 'text', createOnly: true, hint: 'Optional: create the task for another account in your scope. Empty: you.' },
  { name: 'model', label: 'Model', kind: 'text', hint: 'Empty: the server’s default model.' },
  { name: 'timezone', label: 'Time zone', kind: 'text', list: 'zones', hint: 'IANA zone the schedule is read in.' },
  { name: 'enabled', label: 'Enabled', kind: 'checkbox', createOnly: true },
  {
    name: 'overlap',
    label: 'When a run is still active',
    kind: 'select',
    options: [
      ['skip', 'skip: record the slot as skipped'],
      ['allow', 'allow: run beside it'],
      ['queue', 'queue: run after it'],
    ],
  },
  {
    name: 'catchup',
    label: 'Slots missed while down',
    kind: 'select',
    options: [
      ['latest', 'latest: run the most recent one'],
      ['all', 'all: run each of them'],
      ['none', 'none: skip them'],
    ],
  },
  { name: 'catchup_window_seconds', label: 'Catch-up window (seconds)', kind: 'number' },
  { name: 'max_attempts', label: 'Max attempts', kind: 'number' },
  { name: 'timeout_seconds', label: 'Timeout per attempt (seconds)', kind: 'number' },
];

const DEFAULTS = {
  title: '',
  prompt: '',
  schedule: '',
  artist_account_id: '',
  account_id: '',
  model: null,
  timezone: 'UTC',
  enabled: true,
  overlap: 'skip',
  catchup: 'latest',
  catchup_window_seconds: 3600,
  max_attempts: 3,
  timeout_seconds: 3600,
};

// A number field's value for the API: a number when the text is one, else the text as typed
// (the API then answers its own message, e.g. "Invalid input: expected number, received string").
function numberValue(text) {
  const trimmed = text.trim();
  if (trimmed !== '' && Number.isFinite(Number(trimmed))) return Number(trimmed);
  return text;
}

// mode 'create' or 'edit'; `task` the current values (edit). Returns the form element and:
//   body()          the request body (create: every field given; edit: only changed fields)
//   showError(e)    shows an ApiError beside its field (or above the form)
//   clearErrors()
export function taskForm({ mode, task, submitLabel, onSubmit }) {
  const initial = { ...DEFAULTS, ...(task || {}) };
  const inputs = new Map();
  const errors = new Map();
  const formError = h('p', { class: 'field-error', id: 'form-error', role: 'alert', hidden: true });
  const rows = [];
  for (const field of FIELDS) {
    if (field.createOnly && mode !== 'create') continue;
    const id = `field-${field.name}`;
    let input;
    if (field.kind === 'textarea') {
      input = h('textarea', { id, name: field.name, rows: 5 });
      input.value = initial[field.name] ?? '';
    } else if (field.kind === 'select') {
      input = h('select', { id, name: field.name }, field.options.map(([value, label]) => h('option', { value }, label)));
      input.value = initial[field.name];
    } else if (field.kind === 'checkbox') {
      input = h('input', { id, name: field.name, type: 'checkbox', checked: initial[field.name] });
    } else {
      input = h('input', {
        id,
        name: field.name,
        type: 'text',
        inputmode: field.kind === 'number' ? 'numeric' : null,
        list: field.list || null,
        autocomplete: 'off',
        spellcheck: 'false',
      });
      input.value = initial[field.name] ?? '';
    }
    const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
    input.setAttribute('aria-describedby', `${id}-error`);
    inputs.set(field.name, { field, input });
    errors.set(field.name, error);
    rows.push(
      h(
        'div',
        { class: `field field-${field.kind}`, dataset: { field: field.name } },
        h('label', { for: id }, field.label, field.required ? h('span', { class: 'muted' }, ' (required)') : null),
        input,
        field.hint ? h('p', { class: 'hint' }, field.hint) : null,
        error,
      ),
    );
  }
  const submit = h('button', { type: 'submit', class: 'primary', id: 'task-submit' }, submitLabel);
  const form = h(
    'form',
    { class: 'task-form', novalidate: true, id: mode === 'create' ? 'create-task-form' : 'edit-task-form' },
    formError,
    h('datalist', { id: 'zones' }, ZONES.map((z) => h('option', { value: z }))),
    h('div', { class: 'fields' }, rows),
    h('div', { class: 'actions' }, submit),
  );

  function valueOf(name) {
    const { field, input } = inputs.get(name);
    if (field.kind === 'checkbox') return input.checked;
    if (field.kind === 'number') return numberValue(input.value);
    if (field.name === 'model') return input.value.trim() === '' ? null : input.value;
    return input.value;
  }

  function body() {
    const out = {};
    for (const [name, { field }] of inputs) {
      const value = valueOf(name);
      if (mode === 'create') {
        // Required fields always go (empty ones get the API's "is required"); optional ones
        // only when given, so the server's defaults apply.
        if (field.required || (value !== null && value !== '')) out[name] = value;
      } else {
        if (value !== initial[name]) out[name] = value;
      }
    }
    return out;
  }

  function clearErrors() {
    formError.hidden = true;
    for (const [name, error] of errors) {
      error.hidden = true;
      error.textContent = '';
      inputs.get(name).input.removeAttribute('aria-invalid');
    }
  }

  function showError(e) {
    clearErrors();
    const error = e.field && errors.get(e.field);
    if (error) {
      error.textContent = e.message;
      error.hidden = false;
      const { input } = inputs.get(e.field);
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    } else {
      formError.textContent = e.message;
      formError.hidden = false;
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      await onSubmit(body());
    } finally {
      submit.disabled = false;
    }
  });

  return { form, body, showError, clearErrors };
}
