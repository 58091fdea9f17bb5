// Readers for the aggregate JSON the gateway serves (proto/storage.md
// "Aggregates": session, task and tool aggregates; cost from the pricing
// table). Each accessor accepts a few spellings so a renamed or missing field
// shows as "–" instead of breaking the page.

import { pick, num, DASH, cost as fmtCost } from './format.js';

export function sessionId(s) {
  return pick(s, 'session_id', 'id');
}

export function firstTs(s) { return pick(s, 'first_ts', 'started_at', 'start_ts', 'first_timestamp'); }
export function lastTs(s) { return pick(s, 'last_ts', 'last_activity', 'end_ts', 'last_timestamp'); }

export function durationMs(s) {
  const a = num(firstTs(s)), b = num(lastTs(s));
  return a !== undefined && b !== undefined ? b - a : undefined;
}

export function project(s) { return pick(s, 'cwd', 'project', 'metadata.cwd'); }
export function branch(s) { return pick(s, 'git_branch', 'branch', 'gitBranch'); }
export function prompts(s) { return num(pick(s, 'prompts', 'prompt_count', 'event_types.UserPromptSubmit')); }
export function toolCalls(s) { return num(pick(s, 'tool_calls', 'tool_call_count', 'calls')); }
export function errors(s) { return num(pick(s, 'errors', 'tool_failures', 'failures')); }
export function events(s) { return num(pick(s, 'events', 'event_count', 'count')); }

// Token totals {input, output, cacheWrite, cacheRead, total} or undefined.
export function tokenTotals(s) {
  const u = pick(s, 'usage', 'tokens', 'token_usage');
  if (!u || typeof u !== 'object') {
    const t = num(pick(s, 'total_tokens'));
    return t === undefined ? undefined : { total: t };
  }
  const n = (...k) => num(pick(u, ...k)) ?? 0;
  const r = {
    input: n('input_tokens', 'input'), output: n('output_tokens', 'output'),
    cacheWrite: n('cache_creation_input_tokens', 'cache_creation'),
    cacheRead: n('cache_read_input_tokens', 'cache_read'),
  };
  r.total = r.input + r.output + r.cacheWrite + r.cacheRead;
  return r;
}

// Total cost in USD. The gateway's cost_usd (common/pricing) is {"total": x|null,
// "known_total": x, "by_model": {...}, "unknown_models": [...]}: total is null
// when a model has no price, and then only the priced part is known (shown as
// a lower bound, see costText).
export function costUsd(s) {
  for (const p of ['cost_usd.total', 'cost_usd', 'cost.total', 'cost']) {
    const v = num(pick(s, p));
    if (v !== undefined) return v;
  }
  const known = num(pick(s, 'cost_usd.known_total', 'cost.known_total'));
  if (known !== undefined) return known;
  const buckets = pick(s, 'usage_buckets');
  if (!Array.isArray(buckets)) return undefined;
  let sum, any = false;
  for (const b of buckets) {
    const c = num(pick(b, 'cost_usd', 'cost'));
    if (c !== undefined) { sum = (sum ?? 0) + c; any = true; }
  }
  return any ? sum : undefined;
}

export function costIsLowerBound(s) {
  return num(pick(s, 'cost_usd.total', 'cost.total', 'cost_usd')) === undefined &&
    num(pick(s, 'cost_usd.known_total', 'cost.known_total')) !== undefined;
}

export function costText(s) {
  const c = costUsd(s);
  if (c === undefined) return DASH;
  return (costIsLowerBound(s) ? '≥ ' : '') + fmtCost(c);
}

// Duration statistics object of a tool (or a session's tool_duration).
export function durationStats(t) {
  const d = pick(t, 'duration', 'tool_duration', 'durations') ?? t;
  const n = (...k) => num(pick(d, ...k));
  return {
    count: n('count'), min: n('min_ms', 'min'), max: n('max_ms', 'max'),
    avg: n('avg_ms', 'mean_ms', 'avg'), p50: n('p50_ms', 'p50'),
    p95: n('p95_ms', 'p95'), p99: n('p99_ms', 'p99'),
  };
}

// Per-tool rows from a session aggregate's "tools" (object or array).
export function sessionTools(s) {
  const t = pick(s, 'tools');
  if (!t || typeof t !== 'object') return [];
  const list = Array.isArray(t) ? t : Object.entries(t).map(([name, v]) => ({ tool_name: name, ...v }));
  return list.map(toolRow);
}

export function toolRow(t) {
  const calls = num(pick(t, 'calls', 'count', 'total'));
  const failures = num(pick(t, 'failures', 'errors', 'failed'));
  return {
    name: pick(t, 'tool_name', 'name', 'tool') ?? '?',
    calls, failures, open: num(pick(t, 'open')),
    failureRate: calls ? (failures ?? 0) / calls : undefined,
    duration: durationStats(t),
    sessions: num(pick(t, 'sessions', 'session_count')),
  };
}

// The list inside a response that may be wrapped ({"sessions":[...]}) or bare.
export function listOf(body, key) {
  if (Array.isArray(body)) return body;
  const v = body?.[key];
  if (Array.isArray(v)) return v;
  if (v && typeof v === 'object') return Object.entries(v).map(([name, x]) => ({ tool_name: name, ...x }));
  return [];
}
