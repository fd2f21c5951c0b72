// DOM helpers. Every piece of text goes in as a text node or through textContent: nothing here
// (or anywhere in the console) parses HTML, so untrusted text can never become markup.

/** Properties set as DOM properties rather than attributes. */
const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'indeterminate', 'open', 'tabIndex', 'required']);
const FORBIDDEN = new Set(['innerHTML', 'outerHTML', 'style', 'srcdoc']);

/**
 * Creates an element. `props`: `class` (string or array), `text`, `dataset`, `on<event>`
 * handlers, DOM properties (value, checked…) and any other attribute. Children are nodes,
 * strings (as text), arrays of those, or null/false (skipped).
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (FORBIDDEN.has(key) || /^on/i.test(key) && typeof value !== 'function') {
      throw new Error(`h(): refusing ${key}`);
    }
    if (key === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : String(value);
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (PROPERTIES.has(key)) el[key] = value;
    else if (key === 'href' && !/^(https?:\/\/|\/|#)/i.test(String(value))) throw new Error('h(): unsafe href');
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.append(child);
    else parent.append(document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el;
}

/** Replaces a <select>'s options: [{value, label}] or {group, options} entries. */
export function setOptions(select, entries, selected) {
  const nodes = entries.map((entry) =>
    entry.group
      ? h('optgroup', { label: entry.group }, entry.options.map((o) => h('option', { value: o.value, text: o.label })))
      : h('option', { value: entry.value, text: entry.label }),
  );
  select.replaceChildren(...nodes);
  if (selected !== undefined) select.value = selected;
  if (select.selectedIndex < 0 && select.options.length) select.selectedIndex = 0;
}

/** True when the keyboard is being used to type text (shortcuts stay out of the way). */
export function isTypingTarget(target) {
  if (!(target instanceof Element)) return false;
  if (target.closest('[contenteditable=""], [contenteditable="true"]')) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(target.type);
  }
  return false;
}
