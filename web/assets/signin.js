// Sign-in: the key is checked with one API call before it is kept (sessionStorage only).

import { api, setApiKey } from './api.js';
import { h } from './dom.js';

export function render(main, { signedIn }) {
  document.title = 'Sign in · backbeat';
  const input = h('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'bb_sk_…',
  });
  const error = h('p', { class: 'field-error', id: 'signin-error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card signin', novalidate: true },
    h('h1', null, 'Sign in'),
    h('p', { class: 'muted' }, 'Use an API key of this backbeat server. It is kept in this tab only and sent as the x-api-key header.'),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    error,
    h('div', { class: 'actions' }, button),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    error.hidden = true;
    if (!key) {
      error.textContent = 'Enter an API key.';
      error.hidden = false;
      return;
    }
    button.disabled = true;
    try {
      await api('GET', '/api/tasks', { query: { limit: 1 }, key });
      setApiKey(key);
      signedIn();
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
      button.disabled = false;
      input.select();
    }
  });
  main.append(form);
  input.focus();
}
