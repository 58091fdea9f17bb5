// Tools view: every tool across sessions (GET /api/tools) with call counts,
// failure rate and duration percentiles, sortable by any column.

import { h, mount } from './dom.js';
import * as fmt from './format.js';
import * as agg from './aggregates.js';
import { ratioBar } from './charts.js';
import { getJson } from './api.js';

const COLUMNS = [
  ['name', 'Tool', (r) => r.name],
  ['calls', 'Calls', (r) => r.calls],
  ['failures', 'Failures', (r) => r.failures],
  ['failureRate', 'Failure rate', (r) => r.failureRate],
  ['p50', 'p50', (r) => r.duration.p50],
  ['p95', 'p95', (r) => r.duration.p95],
  ['p99', 'p99', (r) => r.duration.p99],
  ['max', 'Max', (r) => r.duration.max],
  ['avg', 'Mean', (r) => r.duration.avg],
];

export class ToolsView {
  constructor({ onError }) {
    this.onError = onError;
    this.rows = [];
    this.sort = { key: 'calls', desc: true };
    this.dirty = true;
    this.visible = false;
    this.tbody = h('tbody');
    this.head = h('tr');
    this.root = h('section.view#view-tools',
      h('div.toolbar', h('span.muted', 'Across all sessions. Durations from paired PreToolUse/PostToolUse and transcript tool_use/tool_result.')),
      h('div.table-wrap', h('table.grid.tools#tools-table', h('thead', this.head), this.tbody)));
    setInterval(() => { if (this.visible && this.dirty) this.load(); }, 3000);
  }

  show() { this.visible = true; this.load(); }
  hide() { this.visible = false; }
  noteEvents() { this.dirty = true; }

  async load() {
    this.dirty = false;
    try {
      const body = await getJson('api/tools');
      this.rows = (body?.tools ?? []).map(agg.toolRow);
      this.render();
    } catch (e) { this.dirty = true; this.onError(e); }
  }

  render() {
    const col = COLUMNS.find((c) => c[0] === this.sort.key);
    const rows = this.rows.slice().sort((a, b) => {
      const x = col[2](a), y = col[2](b);
      const c = typeof x === 'string' ? x.localeCompare(y) : (x ?? -1) - (y ?? -1);
      return this.sort.desc ? -c : c;
    });
    mount(this.head, COLUMNS.map(([key, label]) => h(key === 'name' ? 'th.sort' : 'th.num.sort', {
      class: this.sort.key === key ? (this.sort.desc ? 'desc' : 'asc') : null,
      onclick: () => { this.sort = { key, desc: this.sort.key === key ? !this.sort.desc : key !== 'name' }; this.render(); },
    }, label)));
    const maxCalls = Math.max(1, ...rows.map((r) => r.calls ?? 0));
    if (rows.length === 0) { mount(this.tbody, h('tr', h('td.empty', { colspan: COLUMNS.length }, 'No tool calls recorded yet.'))); return; }
    mount(this.tbody, rows.map((r) => h('tr', { dataset: { tool: r.name } },
      h('td.tool', r.name),
      h('td.num', h('span.inline-bar', ratioBar((r.calls ?? 0) / maxCalls)), fmt.count(r.calls)),
      h(`td.num${r.failures ? '.bad' : ''}`, fmt.count(r.failures)),
      h('td.num', ratioBar(r.failureRate, 'bad'), ' ', fmt.percent(r.failureRate)),
      h('td.num', fmt.duration(r.duration.p50)),
      h('td.num', fmt.duration(r.duration.p95)),
      h('td.num', fmt.duration(r.duration.p99)),
      h('td.num', fmt.duration(r.duration.max)),
      h('td.num', fmt.duration(r.duration.avg)))));
  }
}
