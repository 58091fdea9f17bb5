// Session detail: header, totals and the per-tool table from the server's
// aggregate (GET /api/sessions/{id}/summary; every count a user reads comes
// from there, so the page never shows two numbers for one thing), then from
// the session's events (GET /api/traces?session_id=…): a timeline of turns
// with one bar per tool call, token and cost over time, and the parent/child
// tree. New events for the session arrive from the stream and are folded in,
// re-rendering at most every REFRESH_MS.

import { h, mount } from './dom.js';
import * as fmt from './format.js';
import * as evt from './events.js';
import * as agg from './aggregates.js';
import * as tl from './timeline.js';
import { cumulativeChart, ratioBar } from './charts.js';
import { jsonView } from './json_view.js';
import { getJson, HttpError } from './api.js';

const MAX_EVENTS = 5000;
const PAGE = 1000;
const REFRESH_MS = 1500;
const TREE_NODES = 1500;
const CALLS_SHOWN = 40;

export class SessionView {
  constructor({ onError }) {
    this.onError = onError;
    this.root = h('section.view#view-session');
    this.id = null;
    this.events = [];
    this.seqs = new Set();
    this.open = new Set();
    this.dirty = false;
    setInterval(() => { if (this.dirty && this.id) this.refresh(); }, REFRESH_MS);
  }

  async show(id) {
    if (id !== this.id) {
      this.id = id;
      this.events = [];
      this.seqs = new Set();
      this.summary = null;
      this.open.clear();
      mount(this.root, h('p.muted.loading', 'Loading session…'));
    }
    await this.load();
  }

  hide() { this.id = null; }

  noteEvents(batch) {
    if (!this.id) return;
    for (const ev of batch) if (ev.session_id === this.id) { this.add(ev); this.dirty = true; }
  }

  add(ev) {
    if (this.seqs.has(ev.seq)) return;
    this.seqs.add(ev.seq);
    this.events.push(ev);
  }

  async load() {
    const id = this.id;
    try {
      const [summary, events] = await Promise.all([this.fetchSummary(id), this.fetchEvents(id)]);
      if (id !== this.id) return;
      this.summary = summary;
      for (const ev of events) this.add(ev);
      this.render();
    } catch (e) {
      if (id === this.id) mount(this.root, h('p.error', `Could not load session ${id}: ${e.message}`));
      this.onError(e);
    }
  }

  async refresh() {
    this.dirty = false;
    try { this.summary = await this.fetchSummary(this.id) ?? this.summary; } catch { /* keep the last one */ }
    if (this.id) this.render();
  }

  // The summary is the session aggregate itself, not wrapped (proto/storage.md).
  async fetchSummary(id) {
    try {
      return await getJson(`api/sessions/${encodeURIComponent(id)}/summary`);
    } catch (e) {
      if (e instanceof HttpError && e.status === 404) return null;
      throw e;
    }
  }

  // Newest-first pages walked back with before_seq, up to MAX_EVENTS.
  async fetchEvents(id) {
    const out = [];
    let before;
    while (out.length < MAX_EVENTS) {
      const page = await getJson('api/traces', { session_id: id, limit: PAGE, before_seq: before });
      const list = page?.traces ?? [];
      out.push(...list);
      if (list.length < PAGE) break;
      before = list[list.length - 1].seq;
    }
    this.truncated = out.length >= MAX_EVENTS;
    return out;
  }

  render() {
    const events = this.events.slice().sort(tl.byTime);
    const calls = tl.toolCalls(events);
    const turns = tl.turns(events, calls);
    const s = this.summary ?? {};
    const scroll = window.scrollY;
    mount(this.root,
      this.header(s),
      this.cards(s),
      h('div.two',
        h('div.panel', h('h2', 'Tokens and cost over time'), this.chart(s, events)),
        h('div.panel', h('h2', 'Tools in this session'), this.toolTable(s))),
      h('div.panel', h('h2', 'Timeline', this.timelineNote(s, turns)),
        this.truncated ? h('p.muted', `Showing the most recent ${MAX_EVENTS} events.`) : null,
        this.timeline(turns)),
      h('div.panel', h('h2', 'Event tree', h('span.muted.h-note', ' nested by parent_id; straight chains are flattened')), this.tree(events)));
    window.scrollTo(0, scroll);
  }

  header(s) {
    const cwd = agg.project(s);
    const branch = agg.branch(s);
    const models = s.models?.length ? s.models.join(', ') : s.model;
    const agents = Array.isArray(s.agents) && s.agents.length ? s.agents.join(', ') : null;
    return h('div.detail-head',
      h('a.back', { href: '#/sessions' }, '← Sessions'),
      h('h1.mono#session-title', this.id),
      h('div.meta',
        meta('Project', cwd ?? fmt.DASH, true),
        meta('Branch', branch ?? fmt.DASH, true),
        meta('Model', models ?? fmt.DASH, true),
        agents ? meta('Agents', agents, true) : null,
        h('a.btn.small', { href: `#/live?session=${encodeURIComponent(this.id)}` }, 'Live events →')));
  }

  // The session's totals, all from the server's aggregate: the events loaded
  // here are capped at MAX_EVENTS, the aggregate counts every stored event.
  cards(s) {
    const tok = agg.tokenTotals(s);
    const errs = agg.errors(s);
    return h('div.cards',
      card('Started', fmt.dateTime(agg.firstTs(s)).replace(/^today /, '')),
      card('Duration', fmt.duration(agg.durationMs(s))),
      card('Prompts', fmt.count(agg.prompts(s))),
      card('Tool calls', fmt.count(agg.toolCalls(s)), '', '', 'card-tool-calls'),
      card('Errors', fmt.count(errs), errs ? 'bad' : ''),
      card('Tokens', fmt.tokens(tok?.total), '', agg.tokenTitle(tok)),
      card('Cost', agg.costText(s), '', agg.costIsLowerBound(s) ? 'some models have no price; this is the priced part' : ''),
      agg.reportedCost(s) === undefined ? null
        : card('Reported cost', fmt.cost(agg.reportedCost(s)), '',
          `Claude Code's own cost_usd of ${fmt.count(s.reported_requests)} API requests (OpenTelemetry)`, 'card-reported-cost'),
      card('Events', fmt.count(agg.events(s))));
  }

  // "N turns · M tool calls": turns are the timeline's own, the call count is
  // the server's (the same number as the Tool calls card).
  timelineNote(s, turns) {
    const n = agg.toolCalls(s);
    const calls = n === undefined ? `${fmt.DASH} tool calls` : `${fmt.count(n)} tool call${n === 1 ? '' : 's'}`;
    return h('span.muted.h-note#timeline-note', ` ${turns.length} turn${turns.length === 1 ? '' : 's'} · ${calls}`);
  }

  chart(s, events) {
    const series = tl.tokenSeries(events);
    const total = agg.costUsd(s);
    const wMax = series.length ? series[series.length - 1].b : 0;
    const pts = series.map((p) => ({ t: p.t, a: p.a, b: total !== undefined && wMax ? (p.b / wMax) * total : 0 }));
    return cumulativeChart(pts, { aLabel: 'tokens (cumulative)', bLabel: 'cost (USD)', aFmt: fmt.tokens, bFmt: fmt.cost });
  }

  toolTable(s) {
    const rows = agg.sessionTools(s).sort((a, b) => (b.calls ?? 0) - (a.calls ?? 0));
    if (rows.length === 0) return h('p.muted.empty', 'No tool calls.');
    return h('table.grid.compact#session-tools',
      h('thead', h('tr', h('th', 'Tool'), h('th.num', 'Calls'), h('th.num', 'Failed'), h('th', 'Failure rate'),
        h('th.num', 'p50'), h('th.num', 'p95'), h('th.num', 'Max'))),
      h('tbody', rows.map((r) => h('tr',
        h('td.tool', r.name),
        h('td.num', fmt.count(r.calls)),
        h(`td.num${r.failures ? '.bad' : ''}`, fmt.count(r.failures)),
        h('td', ratioBar(r.failureRate, 'bad'), h('span.muted', ' ' + fmt.percent(r.failureRate))),
        h('td.num', fmt.duration(r.duration.p50)),
        h('td.num', fmt.duration(r.duration.p95)),
        h('td.num', fmt.duration(r.duration.max))))));
  }

  timeline(turns) {
    if (turns.length === 0) return h('p.muted.empty', 'No events.');
    return h('ol.timeline#timeline', turns.map((t, i) => this.turn(t, i)));
  }

  turn(t, i) {
    const span = Math.max(1, t.end - t.start);
    const promptText = t.prompt ? evt.summary(t.prompt) : '(events before the first prompt)';
    return h('li.turn',
      h('div.turn-head',
        h('span.turn-n', `#${i + 1}`),
        h('span.mono.muted', fmt.clock(t.start)),
        h('span.prompt', promptText || '(empty prompt)'),
        h('span.muted.mono', `${t.calls.length} call${t.calls.length === 1 ? '' : 's'} · ${fmt.duration(t.end - t.start)}`)),
      t.calls.length ? h('div.calls', this.visibleCalls(t, i).map((c) => this.call(c, t.start, span)), this.moreCalls(t, i)) : null);
  }

  // Long turns show their first CALLS_SHOWN calls until expanded.
  visibleCalls(t, i) {
    return this.open.has(`turn:${i}`) ? t.calls : t.calls.slice(0, CALLS_SHOWN);
  }

  moreCalls(t, i) {
    if (t.calls.length <= CALLS_SHOWN || this.open.has(`turn:${i}`)) return null;
    return h('button.btn.small.more', { onclick: () => { this.open.add(`turn:${i}`); this.render(); } },
      `Show all ${t.calls.length} calls`);
  }

  call(c, t0, span) {
    const left = ((c.start - t0) / span) * 100;
    const width = Math.max(0.4, ((c.duration ?? 0) / span) * 100);
    const isOpen = this.open.has(c.id);
    const row = h(`div.call${c.error ? '.err' : ''}${c.open ? '.running' : ''}`, {
      dataset: { tool: c.name ?? '', id: c.id },
      onclick: () => { if (this.open.has(c.id)) this.open.delete(c.id); else this.open.add(c.id); this.render(); },
    },
    h('span.tool', c.name ?? '?'),
    h('span.sum', evt.toolInputSummary(c.input) || c.result || ''),
    h('span.track', h('span.bar', { style: { left: `${Math.min(left, 99.6).toFixed(2)}%`, width: `${Math.min(width, 100 - Math.min(left, 99.6)).toFixed(2)}%` } })),
    h('span.num.mono', c.open ? 'running' : fmt.duration(c.duration)));
    if (!isOpen) return row;
    return h('div.call-wrap', row,
      c.result ? h('p.result', c.error ? '✗ ' : '→ ', c.result) : null,
      c.events.map((e) => jsonView(e)));
  }

  tree(events) {
    const { roots, kids } = tl.tree(events);
    let budget = TREE_NODES;
    const node = (ev) => h('div.node', { dataset: { seq: ev.seq } },
      h('span.mono.muted', fmt.clock(ev.timestamp)),
      h(`span.pill.cat-${evt.category(ev)}`, ev.event_type ?? fmt.DASH),
      evt.agentLabel(ev) ? h('span.agent', evt.agentLabel(ev)) : null,
      evt.toolName(ev) ? h('span.tool', evt.toolName(ev)) : null,
      h('span.sum', evt.summary(ev)));
    // Iterative: a transcript is one long parentUuid chain, too deep to recurse.
    const build = (start) => {
      const list = h('div.branch');
      const stack = [[start, list]];
      while (stack.length && budget > 0) {
        const [ev, into] = stack.pop();
        budget--;
        into.append(node(ev));
        const ch = kids.get(ev.span_id) ?? [];
        if (ch.length === 1) stack.push([ch[0], into]);
        else if (ch.length > 1) {
          const sub = h('div.children');
          into.append(sub);
          for (let i = ch.length - 1; i >= 0; i--) {
            const b = h('div.branch');
            sub.prepend(b);
            stack.push([ch[i], b]);
          }
        }
      }
      return list;
    };
    const out = h('div.tree#tree');
    for (const r of roots) { if (budget <= 0) break; out.append(build(r)); }
    if (budget <= 0) out.append(h('p.muted', `Tree truncated at ${TREE_NODES} nodes.`));
    return out;
  }
}

function meta(label, value, mono) {
  return h('span.m', h('span.muted', label + ' '), h(mono ? 'span.mono' : 'span', value));
}

function card(label, value, cls = '', title = '', id = '') {
  return h(`div.card${cls ? '.' + cls : ''}${id ? '#' + id : ''}`, { title }, h('div.v', value), h('div.l', label));
}
