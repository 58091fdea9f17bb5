// Sessions view: every session, most recently active first, with its
// aggregates from GET /api/sessions. Live: while visible it refreshes at most
// every REFRESH_MS when new events arrived, so counts follow the stream
// without a request per event.

import { h, mount } from './dom.js';
import * as fmt from './format.js';
import * as agg from './aggregates.js';
import { getJson } from './api.js';

const REFRESH_MS = 1500;
const ACTIVE_MS = 120000;

export class SessionsView {
  constructor({ onError }) {
    this.onError = onError;
    this.sessions = [];
    this.total = undefined;
    this.text = '';
    this.dirty = true;
    this.visible = false;
    this.loading = false;
    this.root = this.build();
    setInterval(() => this.tick(), REFRESH_MS);
  }

  build() {
    this.tbody = h('tbody');
    this.countEl = h('span.muted#sessions-count');
    this.totals = h('div.cards.totals#sessions-totals');
    const cols = ['Session', 'Project', 'Branch', 'Started', 'Duration', 'Prompts', 'Tool calls', 'Errors', 'Tokens', 'Cost', 'Last activity'];
    return h('section.view#view-sessions',
      h('div.toolbar',
        h('label.filter.grow', h('span', 'Filter'),
          h('input#sessions-filter', { type: 'search', placeholder: 'session id, project, branch, model…',
            oninput: (e) => { this.text = e.target.value.trim().toLowerCase(); this.render(); } })),
        this.countEl),
      this.totals,
      h('div.table-wrap', h('table.grid.sessions#sessions-table',
        h('thead', h('tr', cols.map((c, i) => h(i >= 4 && i <= 9 ? 'th.num' : 'th', c)))),
        this.tbody)));
  }

  show() { this.visible = true; this.dirty = true; this.tick(); }
  hide() { this.visible = false; }
  noteEvents() { this.dirty = true; }

  tick() {
    if (this.visible && this.dirty && !this.loading) this.load();
    else if (this.visible) this.renderAges();
  }

  async load() {
    this.loading = true;
    this.dirty = false;
    try {
      const body = await getJson('api/sessions', { limit: 500 });
      this.sessions = body?.sessions ?? [];
      this.total = body?.total;
      this.render();
    } catch (e) {
      this.dirty = true;
      this.onError(e);
    } finally {
      this.loading = false;
    }
  }

  matches(s) {
    if (!this.text) return true;
    const hay = [agg.sessionId(s), agg.project(s), agg.branch(s), s.model, ...(s.models || [])].join(' ').toLowerCase();
    return hay.includes(this.text);
  }

  render() {
    const list = this.sessions.filter((s) => this.matches(s));
    if (this.sessions.length === 0) {
      mount(this.tbody, h('tr', h('td.empty', { colspan: 11 }, 'No sessions yet. Run Claude Code with trace-hook installed, or point trace-tail at a transcript.')));
    } else {
      mount(this.tbody, list.map((s) => this.row(s)));
    }
    this.renderTotals(list);
    const total = this.total ?? this.sessions.length;
    this.countEl.textContent = `${list.length} of ${total} session${total === 1 ? '' : 's'}`;
  }

  row(s) {
    const id = agg.sessionId(s) ?? '';
    const tok = agg.tokenTotals(s);
    const errs = agg.errors(s);
    const last = agg.lastTs(s);
    const active = fmt.num(last) !== undefined && Date.now() - last < ACTIVE_MS;
    const href = `#/session/${encodeURIComponent(id)}`;
    return h('tr.link', { dataset: { sid: id }, onclick: (e) => { if (!e.target.closest('a')) location.hash = href; } },
      h('td.mono', h(`span.dot${active ? '.on' : ''}`, { title: active ? 'active in the last 2 minutes' : 'idle' }),
        h('a.sid', { href, title: id }, fmt.shortId(id))),
      h('td', { title: agg.project(s) ?? '' }, fmt.shortPath(agg.project(s))),
      h('td.mono', agg.branch(s) ?? fmt.DASH),
      h('td', fmt.dateTime(agg.firstTs(s))),
      h('td.num', fmt.duration(agg.durationMs(s))),
      h('td.num', fmt.count(agg.prompts(s))),
      h('td.num', fmt.count(agg.toolCalls(s))),
      h(`td.num${errs ? '.bad' : ''}`, fmt.count(errs)),
      h('td.num', { title: agg.tokenTitle(tok) }, fmt.tokens(tok?.total)),
      h('td.num', { title: agg.costIsLowerBound(s) ? 'some models have no price; this is the priced part' : '' }, agg.costText(s)),
      h('td.ago', { dataset: { ts: last ?? '' } }, fmt.ago(last)));
  }

  // Totals over the sessions shown (after the filter).
  renderTotals(list) {
    const sum = (f) => list.reduce((a, s) => a + (f(s) ?? 0), 0);
    const active = list.filter((s) => Date.now() - (agg.lastTs(s) ?? 0) < ACTIVE_MS).length;
    const stat = (label, value, cls = '') => h(`div.card.small${cls ? '.' + cls : ''}`, h('div.v', value), h('div.l', label));
    const errs = sum(agg.errors);
    mount(this.totals,
      stat('Sessions', fmt.count(list.length)),
      stat('Active now', fmt.count(active), active ? 'good' : ''),
      stat('Prompts', fmt.count(sum(agg.prompts))),
      stat('Tool calls', fmt.count(sum(agg.toolCalls))),
      stat('Errors', fmt.count(errs), errs ? 'bad' : ''),
      stat('Tokens', fmt.tokens(sum((s) => agg.tokenTotals(s)?.total))),
      stat('Cost', agg.totalCostText(list)));
  }

  renderAges() {
    for (const td of this.tbody.querySelectorAll('td.ago')) td.textContent = fmt.ago(fmt.num(td.dataset.ts));
  }
}
