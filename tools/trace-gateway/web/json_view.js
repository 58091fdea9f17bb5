// Pretty-printed, syntax-coloured JSON of one event. Built from text nodes
// only (never innerHTML), so hostile strings in a record cannot inject markup.

import { h } from './dom.js';

const TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
const MAX_CHARS = 400000;

export function highlight(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    if (m.index > last) frag.append(text.slice(last, m.index));
    const cls = m[1] ? (m[2] ? 'j-key' : 'j-str') : m[3] ? 'j-lit' : 'j-num';
    frag.append(h(`span.${cls}`, m[1] ?? m[0]));
    if (m[2]) frag.append(m[2]);
    last = m.index + m[0].length;
  }
  frag.append(text.slice(last));
  return frag;
}

export function jsonView(value) {
  let text = JSON.stringify(value, null, 2);
  let note = null;
  if (text.length > MAX_CHARS) {
    note = h('p.muted', `Showing the first ${MAX_CHARS.toLocaleString()} of ${text.length.toLocaleString()} characters; Copy takes all of it.`);
  }
  const full = text;
  text = text.slice(0, MAX_CHARS);
  const copy = h('button.btn.small', {
    onclick: async (e) => {
      e.stopPropagation();
      try { await navigator.clipboard.writeText(full); copy.textContent = 'Copied'; } catch { copy.textContent = 'Copy failed'; }
      setTimeout(() => { copy.textContent = 'Copy JSON'; }, 1500);
    },
  }, 'Copy JSON');
  return h('div.json',
    h('div.json-bar', copy),
    note,
    h('pre.json-body', highlight(text)));
}
