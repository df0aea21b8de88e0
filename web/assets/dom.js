// Building DOM nodes. Everything the API returns reaches the page as text (textContent, text
// nodes, attribute values), never as markup, so a task titled "<img onerror=...>" stays text.

// h('a', {href: '#/x', class: 'btn', onclick: fn}, 'text', child, [more, children])
// Props: `class`, `text`, `dataset` (object), `on<event>` (listener), boolean `true`/`false`
// (attribute present or not), anything else a plain attribute. Children: nodes, strings and
// numbers (as text), arrays (flattened); null, undefined and false are skipped.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [name, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') {
        el.className = value;
      } else if (name === 'text') {
        el.textContent = String(value);
      } else if (name === 'dataset') {
        Object.assign(el.dataset, value);
      } else if (name.startsWith('on') && typeof value === 'function') {
        el.addEventListener(name.slice(2), value);
      } else if (name === 'value') {
        el.value = value;
      } else if (name === 'checked' || name === 'selected') {
        el[name] = Boolean(value);
      } else {
        el.setAttribute(name, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) {
      append(parent, child);
    } else if (child instanceof Node) {
      parent.appendChild(child);
    } else {
      parent.appendChild(document.createTextNode(String(child)));
    }
  }
  return parent;
}

// Replaces every child of `el`.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// A link inside the dashboard: `route` is a hash path such as '#/tasks/<id>'.
export function link(route, ...children) {
  return h('a', { href: route }, ...children);
}

// '#/runs?status=FAILED&task_id=...' from a path and the non-empty query values.
export function route(path, query = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return '#' + path + (text ? '?' + text : '');
}

// A confirmation dialog; resolves true when the user confirms.
export function confirmDialog({ title, message, confirm, danger = false }) {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'button', class: danger ? 'danger' : 'primary' }, confirm);
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': 'confirm-title' },
      h('h2', { id: 'confirm-title' }, title),
      h('p', null, message),
      h('div', { class: 'actions' }, cancel, ok),
    );
    let result = false;
    ok.addEventListener('click', () => {
      result = true;
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

// Repeats `fn` every `ms` while the tab is visible (an immediate run when it becomes visible
// again); the returned function stops it. Runs never overlap: the next waits for the last.
export function poll(fn, ms) {
  let timer = null;
  let stopped = false;
  let running = false;
  const tick = async () => {
    timer = null;
    if (stopped || document.hidden || running) return;
    running = true;
    try {
      await fn();
    } catch {
      // The page shows its own errors; polling goes on.
    } finally {
      running = false;
    }
    if (!stopped && !document.hidden) timer = setTimeout(tick, ms);
  };
  const onVisibility = () => {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else if (timer === null && !stopped) {
      tick();
    }
  };
  document.addEventListener('visibilitychange', onVisibility);
  timer = setTimeout(tick, ms);
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}
