// The live view: incoming events in a table, newest on top. Built to stay
// smooth at 1000 events/s: events are queued and rendered once per animation
// frame as one DocumentFragment, and the table keeps at most ROW_CAP rows
// (older ones fall off the bottom; they stay queryable in the Sessions view).
// Rows are CSS-grid divs with content-visibility: auto, so the browser lays
// out and paints only the rows on screen, not all ROW_CAP of them.

import { h, mount } from './dom.js';
import * as fmt from './format.js';
import * as evt from './events.js';
import { jsonView } from './json_view.js';
import { getJson } from './api.js';

export const ROW_CAP = 500;       // rows kept in the DOM
const BUFFER_CAP = 5000;          // events kept in memory for re-filtering

const ROW_TEMPLATE = h('div.lrow.ev', { role: 'row' },
  h('span.c.mono.t'), h('span.c.mono'), h('span.c', h('span.pill')), h('span.c.tool'),
  h('span.c.num.mono'), h('span.c.sum'), h('span.c.num.mono.muted'));

export class LiveView {
  constructor({ onRate }) {
    this.buffer = [];             // newest last
    this.bySeq = new Map();       // seq -> event for rows in the DOM
    this.pendingWhilePaused = 0;
    this.paused = false;
    this.filter = { session: '', tool: '', type: '', text: '' };
    this.seen = { session: new Set(), tool: new Set(), type: new Set() };
    this.onRate = onRate;
    this.root = this.build();
  }

  build() {
    this.tbody = h('div.rows');
    this.pauseBtn = h('button.btn#pause', { onclick: () => this.togglePause(), title: 'Pause rendering (events keep arriving)' }, 'Pause');
    this.lists = {};
    const field = (key, label, placeholder) => {
      this.lists[key] = h(`datalist#dl-${key}`);
      return h('label.filter', h('span', label),
        h(`input#f-${key}`, { list: `dl-${key}`, placeholder, autocomplete: 'off', spellcheck: 'false',
          oninput: (e) => this.setFilter(key, e.target.value.trim()) }),
        this.lists[key]);
    };
    this.countEl = h('span.muted#live-count');
    this.tbody.addEventListener('click', (e) => this.rowClick(e));
    return h('section.view#view-live',
      h('div.toolbar',
        field('session', 'Session', 'any'), field('tool', 'Tool', 'any'),
        field('type', 'Event', 'any'),
        h('label.filter.grow', h('span', 'Search'),
          h('input#f-text', { type: 'search', placeholder: 'text in summary…', oninput: (e) => this.setFilter('text', e.target.value.trim().toLowerCase()) })),
        this.pauseBtn, this.countEl),
      h('div.table-wrap', h('div.live-grid#live-table', { role: 'table' },
        h('div.lrow.lhead', { role: 'row' }, ['Time', 'Session', 'Event', 'Tool', 'Duration', 'Summary', 'Seq'].map((t, i) => h(i === 4 || i === 6 ? 'span.num' : 'span', { role: 'columnheader' }, t))),
        this.tbody)),
      h('p.foot.muted', `Newest first · the table keeps the latest ${ROW_CAP} matching rows; older events remain in the store.`));
  }

  // Events fetched over REST before the stream opened, newest first.
  seed(events) {
    this.ingest(events.slice().reverse());
  }

  // A batch of new events in seq order (called once per animation frame).
  ingest(batch) {
    for (const ev of batch) this.remember(ev);
    if (this.paused) { this.pendingWhilePaused += batch.filter((e) => this.matches(e)).length; this.updateCount(); return; }
    this.render(batch.filter((e) => this.matches(e)));
  }

  remember(ev) {
    this.buffer.push(ev);
    if (this.buffer.length > BUFFER_CAP * 1.2) this.buffer.splice(0, this.buffer.length - BUFFER_CAP);
    this.learn('session', ev.session_id);
    this.learn('tool', evt.toolName(ev));
    this.learn('type', ev.event_type);
  }

  learn(key, value) {
    if (!value || this.seen[key].has(value) || this.seen[key].size > 500) return;
    this.seen[key].add(value);
    this.lists[key].append(h('option', { value }));
  }

  matches(ev) {
    const f = this.filter;
    if (f.session && !(ev.session_id || '').startsWith(f.session)) return false;
    if (f.tool && evt.toolName(ev) !== f.tool) return false;
    if (f.type && ev.event_type !== f.type) return false;
    if (f.text && !evt.summary(ev).toLowerCase().includes(f.text)) return false;
    return true;
  }

  render(events) {
    if (events.length === 0) return;
    const frag = document.createDocumentFragment();
    const start = Math.max(0, events.length - ROW_CAP);
    for (let i = events.length - 1; i >= start; i--) frag.append(this.row(events[i]));
    this.tbody.prepend(frag);
    this.trim();
    this.updateCount();
  }

  // Cloning one template row is cheaper than building seven cells anew.
  row(ev) {
    this.bySeq.set(ev.seq, ev);
    const cat = evt.category(ev);
    const r = ROW_TEMPLATE.cloneNode(true);
    const [time, session, type, tool, dur, sum, seq] = r.children;
    r.dataset.seq = ev.seq;
    if (evt.isError(ev)) r.classList.add('err');
    time.textContent = fmt.clock(ev.timestamp);
    if (ev.session_id) {
      session.append(h('a.sid', { href: `#/session/${encodeURIComponent(ev.session_id)}`, title: ev.session_id }, fmt.shortId(ev.session_id)));
    } else session.textContent = fmt.DASH;
    type.firstChild.textContent = ev.event_type || fmt.DASH;
    type.firstChild.className = `pill cat-${cat}`;
    tool.textContent = evt.toolName(ev) || '';
    dur.textContent = ev.duration_ms != null ? fmt.duration(ev.duration_ms) : '';
    sum.textContent = evt.summary(ev);
    seq.textContent = ev.seq ?? '';
    return r;
  }

  // Drops rows past the cap, with their expanded JSON rows.
  trim() {
    while (this.bySeq.size > ROW_CAP) {
      const last = this.tbody.lastElementChild;
      if (last.classList.contains('ev')) this.bySeq.delete(Number(last.dataset.seq));
      last.remove();
    }
  }

  rowClick(e) {
    if (e.target.closest('a')) return;
    const tr = e.target.closest('.ev');
    if (!tr) return;
    const next = tr.nextElementSibling;
    if (next && next.classList.contains('detail')) { next.remove(); tr.classList.remove('open'); return; }
    const ev = this.bySeq.get(Number(tr.dataset.seq));
    if (!ev) return;
    tr.classList.add('open');
    tr.after(h('div.detail', jsonView(ev)));
  }

  setFilter(key, value) {
    this.filter[key] = value;
    this.rebuild();
    if (this.filter.session || this.filter.tool || this.filter.type) this.backfill();
  }

  rebuild() {
    this.tbody.replaceChildren();
    this.bySeq.clear();
    this.render(this.buffer.filter((e) => this.matches(e)));
    this.updateCount();
  }

  // Fill a narrow filter from the store, since the memory buffer only holds
  // the most recent events.
  async backfill() {
    const f = { ...this.filter };
    const params = { session_id: f.session, tool_name: f.tool, event_type: f.type, limit: 200 };
    if (f.session && f.session.length < 8) delete params.session_id;
    try {
      const page = await getJson('api/traces', params);
      if (JSON.stringify(f) !== JSON.stringify(this.filter)) return;
      const have = new Set(this.buffer.map((e) => e.seq));
      const extra = (page.traces || []).filter((e) => !have.has(e.seq) && this.matches(e));
      if (extra.length === 0) return;
      this.buffer = extra.reverse().concat(this.buffer).sort((a, b) => a.seq - b.seq);
      this.rebuild();
    } catch { /* the live rows still show; a failed backfill is not fatal */ }
  }

  reset() {
    this.buffer = [];
    this.rebuild();
  }

  togglePause() {
    this.paused = !this.paused;
    this.pauseBtn.classList.toggle('active', this.paused);
    if (!this.paused) { this.pendingWhilePaused = 0; this.rebuild(); }
    this.updateCount();
  }

  updateCount() {
    const shown = this.bySeq.size;
    this.pauseBtn.textContent = this.paused ? `Resume${this.pendingWhilePaused ? ` (${this.pendingWhilePaused} new)` : ''}` : 'Pause';
    this.countEl.textContent = `${shown} row${shown === 1 ? '' : 's'}${this.paused ? ' · paused' : ''}`;
  }
}
