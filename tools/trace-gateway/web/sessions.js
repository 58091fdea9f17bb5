// Sessions view: every session, most recently active first, with its
// aggregates from GET /api/sessions. Live: while visible it refreshes at most
// every REFRESH_MS when new events arrived, so counts follow the stream
// without a request per event. The user and host pickers ask the gateway for
// that teammate's or machine's sessions (GET /api/sessions?user=&host=).

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
    this.user = '';
    this.host = '';
    this.seen = { user: new Set(), host: new Set() };  // every value loaded so far
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
    const cols = ['Session', 'Project', 'Branch', 'Started', 'Duration', 'Prompts', 'Tool calls', 'Errors', 'Tokens', 'Cost', 'Last activity', 'User', 'Host'];
    this.userSelect = this.picker('user', 'All users');
    this.hostSelect = this.picker('host', 'All hosts');
    return h('section.view#view-sessions',
      h('div.toolbar',
        h('label.filter.grow', h('span', 'Filter'),
          h('input#sessions-filter', { type: 'search', placeholder: 'session id, project, branch, user, host, model…',
            oninput: (e) => { this.text = e.target.value.trim().toLowerCase(); this.render(); } })),
        h('label.filter', h('span', 'User'), this.userSelect),
        h('label.filter', h('span', 'Host'), this.hostSelect),
        this.countEl),
      this.totals,
      h('div.table-wrap', h('table.grid.sessions#sessions-table',
        h('thead', h('tr', cols.map((c, i) => h(i >= 4 && i <= 9 ? 'th.num' : 'th', c)))),
        this.tbody)));
  }

  // A <select> of the values seen for key ('user' or 'host'); choosing one
  // reloads the list filtered by the gateway.
  picker(key, all) {
    return h(`select#sessions-${key}`, {
      onchange: (e) => { this[key] = e.target.value; this.load(); },
    }, h('option', { value: '' }, all));
  }

  // Adds values not yet offered; keeps the choice.
  updatePickers() {
    for (const [key, select, all] of [['user', this.userSelect, 'All users'], ['host', this.hostSelect, 'All hosts']]) {
      const values = [...this.seen[key]].sort();
      if (select.options.length === values.length + 1) continue;
      mount(select, h('option', { value: '' }, all),
        values.map((v) => h('option', { value: v, selected: v === this[key] }, v)));
    }
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
      const body = await getJson('api/sessions', { limit: 500, user: this.user, host: this.host });
      this.sessions = body?.sessions ?? [];
      this.total = body?.total;
      for (const s of this.sessions) {
        if (agg.user(s)) this.seen.user.add(agg.user(s));
        if (agg.host(s)) this.seen.host.add(agg.host(s));
      }
      this.updatePickers();
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
    const hay = [agg.sessionId(s), agg.project(s), agg.branch(s), agg.user(s), agg.host(s), s.model, ...(s.models || [])].join(' ').toLowerCase();
    return hay.includes(this.text);
  }

  render() {
    const list = this.sessions.filter((s) => this.matches(s));
    if (this.sessions.length === 0) {
      mount(this.tbody, h('tr', h('td.empty', { colspan: 13 }, 'No sessions yet. Run Claude Code with trace-hook installed, or point trace-tail at a transcript.')));
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
      h('td.ago', { dataset: { ts: last ?? '' } }, fmt.ago(last)),
      h('td.user', agg.user(s) ?? fmt.DASH),
      h('td.host', agg.host(s) ?? fmt.DASH));
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
