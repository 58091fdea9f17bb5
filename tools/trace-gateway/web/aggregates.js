// Readers for the aggregate JSON the gateway serves (proto/storage.md
// "Aggregates" and "REST responses"): session, task and tool aggregates, with
// the cost_usd summary the gateway adds. Each reader takes exactly the field
// proto/ names; a missing value reads as undefined and renders as "–".

import { num, count, DASH, cost as fmtCost } from './format.js';

export function sessionId(s) { return s?.session_id ?? undefined; }
export function firstTs(s) { return num(s?.first_ts); }
export function lastTs(s) { return num(s?.last_ts); }

// Wall-clock span of the session: last_ts − first_ts (both null until an
// event with a timestamp arrives).
export function durationMs(s) {
  const a = firstTs(s), b = lastTs(s);
  return a !== undefined && b !== undefined ? b - a : undefined;
}

export function project(s) { return s?.cwd ?? undefined; }
export function branch(s) { return s?.git_branch ?? undefined; }
// Who ran the session and where (absent on a single machine's store).
export function user(s) { return s?.user ?? undefined; }
export function host(s) { return s?.host ?? undefined; }
export function prompts(s) { return num(s?.prompts); }
export function toolCalls(s) { return num(s?.tool_calls); }
// errors = tool_failures + parse_errors (proto/storage.md); not the same as
// tool_failures, so there is no fallback from one to the other.
export function errors(s) { return num(s?.errors); }
export function events(s) { return num(s?.events); }

// Token totals {input, output, cacheWrite, cacheRead, total} from the
// aggregate's "usage", or undefined without one.
export function tokenTotals(s) {
  const u = s?.usage;
  if (!u || typeof u !== 'object') return undefined;
  const n = (k) => num(u[k]) ?? 0;
  const r = {
    input: n('input_tokens'), output: n('output_tokens'),
    cacheWrite: n('cache_creation_input_tokens'), cacheRead: n('cache_read_input_tokens'),
  };
  r.total = r.input + r.output + r.cacheWrite + r.cacheRead;
  return r;
}

// The tooltip of a token total: its four parts.
export function tokenTitle(t) {
  if (!t) return '';
  return `input ${count(t.input)} · output ${count(t.output)} · cache write ${count(t.cacheWrite)} · cache read ${count(t.cacheRead)}`;
}

// Total cost in USD from the gateway's cost_usd (common/pricing):
// {"total": x|null, "known_total": x, "by_model": {...}, "unknown_models": [...]}.
// total is null when a model has no price; then only the priced part,
// known_total, is known (shown as a lower bound, see costText).
export function costUsd(s) {
  const c = s?.cost_usd;
  return num(c?.total) ?? num(c?.known_total);
}

export function costIsLowerBound(s) {
  const c = s?.cost_usd;
  return num(c?.total) === undefined && num(c?.known_total) !== undefined;
}

// Claude Code's own cost_usd of the session's OTel api_request events
// (reported_cost_usd, proto/otlp.md), shown beside our priced figure.
export function reportedCost(s) {
  return num(s?.reported_cost_usd);
}

export function costText(s) {
  const c = costUsd(s);
  if (c === undefined) return DASH;
  return (costIsLowerBound(s) ? '≥ ' : '') + fmtCost(c);
}

// Cost over many sessions (the sessions view's total): a lower bound as soon
// as one of them is.
export function totalCostText(list) {
  const costs = list.map(costUsd).filter((c) => c !== undefined);
  if (costs.length === 0) return DASH;
  const sum = costs.reduce((a, b) => a + b, 0);
  return (list.some(costIsLowerBound) ? '≥ ' : '') + fmtCost(sum);
}

// A duration statistics object (a tool's "duration", a session's
// "tool_duration"). With no measured call the server writes zeros; those
// read as missing so the page shows "–", not "0 ms".
export function durationStats(d) {
  const n = (k) => (num(d?.count) ? num(d[k]) : undefined);
  return {
    count: num(d?.count), min: n('min_ms'), max: n('max_ms'), avg: n('avg_ms'),
    p50: n('p50_ms'), p95: n('p95_ms'), p99: n('p99_ms'),
  };
}

// Per-tool rows from a session or task aggregate's "tools" object
// ({"Bash": {calls, failures, open, duration}, ...}).
export function sessionTools(s) {
  const t = s?.tools;
  if (!t || typeof t !== 'object') return [];
  return Object.entries(t).map(([name, v]) => toolRow({ tool_name: name, ...v }));
}

// One tool aggregate (GET /api/tools "tools" items, or a session's tools entry).
export function toolRow(t) {
  const calls = num(t.calls), failures = num(t.failures);
  return {
    name: t.tool_name,
    calls, failures, open: num(t.open),
    failureRate: calls ? (failures ?? 0) / calls : undefined,
    duration: durationStats(t.duration),
  };
}
