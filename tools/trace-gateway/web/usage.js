// Usage view: cost or tokens per local day as bars stacked by model (last 30
// days, or the range picked), the current 5-hour block with a progress bar,
// burn rate and projection, weekly and monthly totals, per-project, per-user
// and per-host tables. Everything comes from GET /api/usage (proto/usage.md) in the
// browser's time zone; new usage on the stream refreshes it.

import { h, mount, svg } from './dom.js';
import * as fmt from './format.js';
import { getJson } from './api.js';

const W = 760, H = 220, PAD = { l: 56, r: 12, t: 12, b: 28 };
const PALETTE = ['var(--violet)', 'var(--blue)', 'var(--teal)', 'var(--accent)', 'var(--green)', 'var(--yellow)', 'var(--red)', 'var(--gray)'];
const BLOCK_MS = 5 * 3600 * 1000;
const REFRESH_MS = 3000;

function zone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; }
}

// YYYYMMDD of the local day `back` days before today.
function dayParam(back) {
  const d = new Date();
  d.setDate(d.getDate() - back);
  return `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
}

function dayKey(yyyymmdd) { return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6)}`; }

const shortModel = (m) => m.replace(/^claude-/, '').replace(/-\d{8}$/, '');
const rowValue = (r, metric) => (metric === 'cost' ? (r.cost_usd ?? r.known_cost_usd ?? 0) : (r.total_tokens ?? 0));

// Bars of every day in [first, today], stacked by model.
export function dailyChart(rows, days, metric) {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const keys = [];
  for (let i = days - 1; i >= 0; i--) keys.push(dayKey(dayParam(i)));
  const models = [...new Set(rows.flatMap((r) => (r.models ?? []).map((m) => m.model)))].sort();
  const colour = (m) => PALETTE[models.indexOf(m) % PALETTE.length];
  const totals = keys.map((k) => rowValue(byDay.get(k) ?? {}, metric));
  const max = Math.max(metric === 'cost' ? 0.01 : 1, ...totals);
  const fmtV = metric === 'cost' ? fmt.cost : fmt.tokens;
  const bw = (W - PAD.l - PAD.r) / keys.length;
  const y = (v) => H - PAD.b - (v / max) * (H - PAD.t - PAD.b);
  const bars = keys.map((k, i) => {
    const row = byDay.get(k);
    let base = 0;
    const parts = (row?.models ?? []).map((m) => {
      const v = rowValue(m, metric);
      const rect = svg('rect', { x: (PAD.l + i * bw + 1).toFixed(1), width: Math.max(1, bw - 2).toFixed(1),
        y: y(base + v).toFixed(1), height: Math.max(0, y(base) - y(base + v)).toFixed(1),
        fill: colour(m.model), class: 'bar', 'data-day': k, 'data-model': m.model },
      svg('title', `${k} ${shortModel(m.model)}: ${fmtV(v)}`));
      base += v;
      return rect;
    });
    return svg('g', { class: 'day', 'data-day': k, 'data-value': String(totals[i]) }, parts);
  });
  const grid = [0, 0.5, 1].map((f) => [
    svg('line', { x1: PAD.l, x2: W - PAD.r, y1: y(max * f), y2: y(max * f), class: 'grid-line' }),
    svg('text', { x: PAD.l - 6, y: y(max * f) + 4, class: 'axis', 'text-anchor': 'end' }, fmtV(max * f))]);
  const step = Math.ceil(keys.length / 8);
  const ticks = keys.map((k, i) => (i % step === 0 ? svg('text', { x: PAD.l + (i + 0.5) * bw, y: H - 8, class: 'axis', 'text-anchor': 'middle' }, k.slice(5)) : null));
  return h('figure.chart#usage-daily-chart',
    svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${metric} per day by model` }, grid, bars, ticks),
    h('figcaption', models.length ? models.map((m) => h('span.key.model-key', { style: `--key: ${colour(m)}` }, shortModel(m))) : h('span.muted', 'No usage in this range.')));
}

function blockPanel(body, now = Date.now()) {
  const b = (body?.rows ?? [])[0];
  if (!b || !b.active) return h('div#usage-block', h('p.muted.empty', 'No active 5-hour block: the next message starts one.'));
  const start = Date.parse(b.block_start), end = Date.parse(b.block_end);
  const elapsed = Math.min(1, Math.max(0, (now - start) / BLOCK_MS));
  const limit = b.token_limit;
  return h('div#usage-block', { dataset: { active: 'true' } },
    h('div.block-head', h('span', `${fmt.clock(start, false)} – ${fmt.clock(end, false)}`),
      h('span.muted', `${fmt.duration(b.projection.remaining_minutes * 60000)} left`)),
    h('div.progress', { title: `${Math.round(elapsed * 100)}% of the block elapsed` }, h('span', { style: { width: `${(elapsed * 100).toFixed(1)}%` } })),
    h('div.cards',
      h('div.card', h('div.l', 'Block cost'), h('div.v#usage-block-cost', fmt.cost(b.cost_usd ?? b.known_cost_usd))),
      h('div.card', h('div.l', 'Tokens'), h('div.v', fmt.tokens(b.total_tokens))),
      h('div.card', h('div.l', 'Burn rate'), h('div.v#usage-burn', `${fmt.cost(b.burn_rate.cost_usd_per_hour)}/h`), h('div.l', `${fmt.tokens(Math.round(b.burn_rate.tokens_per_minute))} tok/min`)),
      h('div.card', h('div.l', 'Projected at end'), h('div.v#usage-projection', fmt.cost(b.projection.cost_usd)), h('div.l', `${fmt.tokens(b.projection.total_tokens)} tokens`)),
      limit ? h(`div.card${limit.exceeds ? '.bad' : ''}`, h('div.l', 'Of largest block'), h('div.v', `${Math.round(limit.projected_percent)}%`), h('div.l', limit.exceeds ? 'projected over' : 'projected')) : null));
}

function totalsTable(id, rows, key, label) {
  if (!rows.length) return h(`p.muted.empty#${id}`, 'No usage yet.');
  return h(`table.grid.compact#${id}`,
    h('thead', h('tr', h('th', label), h('th.num', 'Tokens'), h('th.num', 'Cost'))),
    h('tbody', rows.map((r) => h('tr', h('td', r[key]), h('td.num', fmt.tokens(r.total_tokens)), h('td.num', fmt.cost(r.cost_usd ?? r.known_cost_usd))))));
}

function projectTable(rows) {
  if (!rows.length) return h('p.muted.empty#usage-projects', 'No usage in this range.');
  return h('table.grid#usage-projects',
    h('thead', h('tr', h('th', 'Project'), h('th.num', 'Messages'), h('th.num', 'Input'), h('th.num', 'Output'),
      h('th.num', 'Cache'), h('th.num', 'Cost'), h('th', 'Last activity'))),
    h('tbody', rows.map((r) => h('tr', { dataset: { project: r.project } },
      h('td', { title: r.project }, r.project_name),
      h('td.num', fmt.count(r.messages)), h('td.num', fmt.tokens(r.input_tokens)), h('td.num', fmt.tokens(r.output_tokens)),
      h('td.num', fmt.tokens(r.cache_creation_input_tokens + r.cache_read_input_tokens)),
      h('td.num', fmt.cost(r.cost_usd ?? r.known_cost_usd)), h('td', fmt.ago(Date.parse(r.last_message)))))));
}

export class UsageView {
  constructor({ onError }) {
    this.onError = onError;
    this.days = 30;
    this.metric = 'cost';
    this.visible = false;
    this.dirty = true;
    this.loads = 0;
    const range = h('select#usage-range', { onchange: (e) => { this.days = Number(e.target.value); this.load(); } },
      [7, 14, 30, 90].map((d) => h('option', { value: d, selected: d === this.days }, `last ${d} days`)));
    this.metricButtons = ['cost', 'tokens'].map((m) => h(`button.btn${m === this.metric ? '.active' : ''}`, { dataset: { metric: m }, onclick: () => this.setMetric(m) }, m === 'cost' ? 'Cost' : 'Tokens'));
    this.chart = h('div');
    this.block = h('div');
    this.weeks = h('div');
    this.months = h('div');
    this.projects = h('div');
    this.users = h('div');
    this.hosts = h('div');
    this.root = h('section.view#view-usage',
      h('div.toolbar', h('label.filter', 'Range', range), h('div.seg', this.metricButtons),
        h('span.muted#usage-zone', `days in ${zone()}`)),
      h('div.panel', h('h2', 'Per day, by model'), this.chart),
      h('div.panel', h('h2', 'Current 5-hour block'), this.block),
      h('div.two', h('div.panel', h('h2', 'Weeks'), this.weeks), h('div.panel', h('h2', 'Months'), this.months)),
      h('div.panel', h('h2', 'Projects'), this.projects),
      h('div.two', h('div.panel', h('h2', 'Users'), this.users), h('div.panel', h('h2', 'Hosts'), this.hosts)));
    setInterval(() => { if (this.visible && this.dirty) this.load(); }, REFRESH_MS);
  }

  show() { this.visible = true; this.load(); }
  hide() { this.visible = false; }
  // Only events that carry token usage change the figures.
  noteEvents(batch) { if (batch.some((e) => e.usage)) this.dirty = true; }
  setMetric(m) {
    this.metric = m;
    for (const b of this.metricButtons) b.classList.toggle('active', b.dataset.metric === m);
    this.renderChart();
  }

  async load() {
    this.dirty = false;
    const tz = zone(), since = dayParam(this.days - 1);
    try {
      const [daily, block, weeks, months, projects, users, hosts] = await Promise.all([
        getJson('api/usage', { by: 'day', tz, since }),
        getJson('api/usage', { by: 'block', last: 1, token_limit: 'max' }),
        getJson('api/usage', { by: 'week', tz, last: 6, order: 'desc' }),
        getJson('api/usage', { by: 'month', tz, last: 6, order: 'desc' }),
        getJson('api/usage', { by: 'project', since, tz, order: 'desc' }),
        getJson('api/usage', { by: 'user', since, tz, order: 'desc' }),
        getJson('api/usage', { by: 'host', since, tz, order: 'desc' })]);
      this.daily = daily;
      this.renderChart();
      mount(this.block, blockPanel(block));
      mount(this.weeks, totalsTable('usage-weeks', weeks.rows, 'week', 'Week of'));
      mount(this.months, totalsTable('usage-months', months.rows, 'month', 'Month'));
      mount(this.projects, projectTable(projects.rows));
      mount(this.users, totalsTable('usage-users', users.rows, 'user', 'User'));
      mount(this.hosts, totalsTable('usage-hosts', hosts.rows, 'host', 'Host'));
      this.loads++;
      this.root.dataset.loads = String(this.loads);
    } catch (e) { this.dirty = true; this.onError(e); }
  }

  renderChart() { if (this.daily) mount(this.chart, dailyChart(this.daily.rows ?? [], this.days, this.metric)); }
}
