// Turns a session's events into what a person reads: turns (a prompt and
// everything until the next one), the tool calls in each (paired by
// tool_use_id across hook and transcript records, so one call is one bar
// however many channels reported it) and cumulative token usage (counted
// once per API message id). Counts and per-tool statistics are the server's
// (aggregates.js), not recomputed here.

import * as evt from './events.js';
import { toMs } from './format.js';

const SAME_PROMPT_MS = 10000;

export function byTime(a, b) {
  return (toMs(a.timestamp) ?? 0) - (toMs(b.timestamp) ?? 0) || (a.seq ?? 0) - (b.seq ?? 0);
}

// Tool calls keyed by tool_use_id (or by order per tool name when a hook
// record carries no id, as before Claude Code 2.0.43).
export function toolCalls(events) {
  const calls = new Map();
  const unnamed = new Map();  // tool -> queue of open calls without id
  for (const ev of events) {
    const c = evt.category(ev);
    const isStart = ev.event_type === 'PreToolUse' || (ev.event_type === 'assistant' && c === 'tool_call');
    const isEnd = ev.event_type === 'PostToolUse' || ev.event_type === 'PostToolUseFailure' ||
      (ev.event_type === 'user' && evt.toolResultBlock(ev));
    if (!isStart && !isEnd) continue;
    let id = evt.toolUseId(ev);
    const name = evt.toolName(ev);
    if (!id) {
      const q = unnamed.get(name) ?? [];
      unnamed.set(name, q);
      if (isStart) { id = `~${ev.seq}`; q.push(id); } else id = q.shift() ?? `~${ev.seq}`;
    }
    const call = calls.get(id) ?? { id, name, start: undefined, end: undefined, error: false, events: [] };
    calls.set(id, call);
    call.name = call.name || name;
    call.events.push(ev);
    const t = toMs(ev.timestamp);
    if (isStart && (call.start === undefined || t < call.start)) { call.start = t; call.input = ev.tool_input ?? evt.toolUseBlock(ev)?.input; }
    if (isEnd) {
      call.end = Math.max(call.end ?? t, t);
      // The hook's own duration_ms is measured by Claude Code; prefer it.
      if (ev.duration_ms != null && (call.duration === undefined || ev.kind === 'hook')) call.duration = ev.duration_ms;
      if (evt.isError(ev)) call.error = true;
      call.result = call.result ?? evt.summary(ev);
    }
  }
  for (const call of calls.values()) {
    if (call.start === undefined) call.start = call.end - (call.duration ?? 0);
    if (call.duration === undefined && call.end !== undefined) call.duration = call.end - call.start;
    call.open = call.end === undefined;
  }
  return [...calls.values()].sort((a, b) => a.start - b.start);
}

// [{prompt: event|null, start, end, calls: [...], events: [...]}]
export function turns(events, calls) {
  const list = [];
  let cur = null;
  for (const ev of events) {
    if (evt.isPrompt(ev) && !samePrompt(cur, ev)) {
      cur = { prompt: ev, start: toMs(ev.timestamp), end: toMs(ev.timestamp), calls: [], events: [] };
      list.push(cur);
    }
    if (!cur) { cur = { prompt: null, start: toMs(ev.timestamp), end: toMs(ev.timestamp), calls: [], events: [] }; list.push(cur); }
    cur.events.push(ev);
    cur.end = Math.max(cur.end, toMs(ev.timestamp) ?? cur.end);
  }
  for (const call of calls) {
    const turn = list.findLast((t) => t.start <= call.start) ?? list[0];
    if (!turn) continue;
    turn.calls.push(call);
    turn.end = Math.max(turn.end, call.end ?? call.start);
  }
  // SessionStart and friends before the first prompt are not a turn of their own.
  return list.filter((t) => t.prompt || t.calls.length);
}

// The hook, the transcript and history.jsonl each report the same prompt.
function samePrompt(turn, ev) {
  if (!turn?.prompt || turn.calls.length) return false;
  const dt = Math.abs((toMs(ev.timestamp) ?? 0) - turn.start);
  if (dt > SAME_PROMPT_MS) return false;
  const a = evt.summary(turn.prompt), b = evt.summary(ev);
  return !a || !b || a.slice(0, 60) === b.slice(0, 60);
}

// Relative list prices per token type (Anthropic: output 5x input, cache
// write 1.25x, cache read 0.1x) to spread a session's total cost over time.
const WEIGHT = { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 };

// Cumulative [{t, a: tokens, b: weighted}] counting each message id once
// (input/cache once, the largest output_tokens snapshot).
export function tokenSeries(events) {
  const msgs = new Map();
  for (const ev of events) {
    const u = evt.usage(ev);
    if (!u || ev.model === '<synthetic>') continue;
    const id = evt.messageId(ev);
    const m = msgs.get(id);
    if (!m) msgs.set(id, { t: toMs(ev.timestamp), ...u });
    else m.output = Math.max(m.output, u.output);
  }
  const list = [...msgs.values()].sort((a, b) => a.t - b.t);
  let a = 0, b = 0;
  return list.map((m) => {
    a += m.input + m.output + m.cacheWrite + m.cacheRead;
    b += m.input * WEIGHT.input + m.output * WEIGHT.output + m.cacheWrite * WEIGHT.cacheWrite + m.cacheRead * WEIGHT.cacheRead;
    return { t: m.t, a, b };
  });
}

// Children by parent_id; roots are events whose parent is not in the set.
export function tree(events) {
  const ids = new Set(events.map((e) => e.span_id));
  const kids = new Map();
  const roots = [];
  for (const ev of events) {
    if (ev.parent_id && ids.has(ev.parent_id) && ev.parent_id !== ev.span_id) {
      if (!kids.has(ev.parent_id)) kids.set(ev.parent_id, []);
      kids.get(ev.parent_id).push(ev);
    } else roots.push(ev);
  }
  return { roots, kids };
}
