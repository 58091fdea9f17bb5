// The web UI's pure logic (tools/trace-gateway/web/{format,events,timeline,
// aggregates}.js) run in Node on real event shapes: summaries, tool-call
// pairing across hook and transcript records, prompt dedupe across channels,
// token counting once per API message, defensive aggregate readers.

import path from 'node:path';
import { pathToFileURL } from 'node:url';

const SRC = process.env.TRACE_SOURCE_DIR || path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const web = (f) => import(pathToFileURL(path.join(SRC, 'tools/trace-gateway/web', f)).href);
const fmt = await web('format.js');
const evt = await web('events.js');
const tl = await web('timeline.js');
const agg = await web('aggregates.js');

let passed = 0, failed = 0;
function eq(actual, expected, what) {
  const ok = JSON.stringify(actual) === JSON.stringify(expected);
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok ? '' : `: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`}`);
}

const S = 's1';
let seq = 0;
const ev = (t, fields) => ({ seq: ++seq, span_id: `sp${seq}`, session_id: S, timestamp: t, ...fields });

// Formatting: missing values are a dash, never NaN/undefined.
eq([fmt.duration(undefined), fmt.duration(NaN), fmt.duration(42), fmt.duration(1234), fmt.duration(125000)],
  ['–', '–', '42 ms', '1.23 s', '2m 05s'], 'durations');
eq([fmt.tokens(999), fmt.tokens(12345), fmt.tokens(2500000), fmt.tokens(null)], ['999', '12k', '2.50M', '–'], 'token counts');
eq([fmt.cost(0), fmt.cost(0.004), fmt.cost(1.5), fmt.cost('x')], ['$0', '$0.0040', '$1.50', '–'], 'costs');
eq(fmt.shortPath('/home/dev/src/webshop'), '…/src/webshop', 'short path');

// Summaries and categories of real record shapes.
const pre = ev(1000, { event_type: 'PreToolUse', kind: 'hook', tool_name: 'Bash', tool_use_id: 't1', tool_input: { command: 'npm   test\n-- checkout' } });
const fail = ev(1500, { event_type: 'PostToolUseFailure', kind: 'hook', tool_name: 'Bash', tool_use_id: 't1', duration_ms: 480, data: { error: 'Exit code 1' } });
eq([evt.summary(pre), evt.category(pre), evt.isError(pre)], ['npm test -- checkout', 'tool_call', false], 'PreToolUse summary');
eq([evt.summary(fail), evt.category(fail), evt.isError(fail)], ['Exit code 1', 'error', true], 'failure summary');
const raw = ev(1, { event_type: 'raw', kind: 'raw', raw: '{"trunc', parse_error: 'unexpected end' });
eq([evt.category(raw), evt.isError(raw), evt.summary(raw).startsWith('parse error: unexpected end')], ['raw', true, true], 'raw line');
const odd = ev(2, { event_type: 'FutureThing', data: 7 });
eq(evt.summary(odd), '', 'unknown shapes summarise to empty, no throw');

// One tool call reported by the hook and the transcript is one call.
const prompts = [
  ev(900, { event_type: 'UserPromptSubmit', kind: 'hook', data: { prompt: 'Fix checkout' } }),
  ev(905, { event_type: 'user', kind: 'transcript', data: { message: { role: 'user', content: 'Fix checkout' } } }),
  ev(910, { event_type: 'history.append', kind: 'history', data: { display: 'Fix checkout' } }),
];
const use = ev(990, { event_type: 'assistant', kind: 'transcript', data: { message: { id: 'm1', content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'npm test' } }], usage: { input_tokens: 3, output_tokens: 10, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000 } } } });
const use2 = ev(991, { event_type: 'assistant', kind: 'transcript', data: { message: { id: 'm1', content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 3, output_tokens: 25, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000 } } } });
const result = ev(1600, { event_type: 'user', kind: 'transcript', duration_ms: 610, data: { message: { content: [{ type: 'tool_result', tool_use_id: 't1', content: 'boom', is_error: true }] } } });
const second = ev(5000, { event_type: 'UserPromptSubmit', kind: 'hook', data: { prompt: 'Now the tests' } });
const oldPre = ev(5100, { event_type: 'PreToolUse', kind: 'hook', tool_name: 'Read', tool_input: { file_path: '/a' } });
const oldPost = ev(5130, { event_type: 'PostToolUse', kind: 'hook', tool_name: 'Read', tool_input: { file_path: '/a' } });
const all = [...prompts, use, use2, pre, fail, result, second, oldPre, oldPost].sort(tl.byTime);
const calls = tl.toolCalls(all);
eq(calls.map((c) => [c.name, c.start, c.duration, c.error, c.open]),
  [['Bash', 990, 480, true, false], ['Read', 5100, 30, false, false]], 'tool calls paired by id (and by order without id); hook duration wins');
const turns = tl.turns(all, calls);
eq(turns.map((t) => [evt.summary(t.prompt), t.calls.length]), [['Fix checkout', 1], ['Now the tests', 1]], 'one turn per prompt across hook, transcript and history');
eq(tl.tokenSeries(all).map((p) => p.a), [3 + 25 + 100 + 1000], 'tokens counted once per message id, largest output');

const stats = tl.toolStats(calls);
eq(stats.map((s) => [s.name, s.calls, s.failures, s.duration.p50]), [['Bash', 1, 1, 480], ['Read', 1, 0, 30]], 'per-tool stats');
eq([tl.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5), tl.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)], [5, 10], 'percentiles');

// The parent/child tree: roots are events whose parent is unknown.
const a = { span_id: 'a', parent_id: null }, b = { span_id: 'b', parent_id: 'a' }, c = { span_id: 'c', parent_id: 'a' }, d = { span_id: 'd', parent_id: 'zz' };
const tree = tl.tree([a, b, c, d]);
eq([tree.roots.map((r) => r.span_id), tree.kids.get('a').map((k) => k.span_id)], [['a', 'd'], ['b', 'c']], 'tree by parent_id');

// Aggregates: the index's session shape, and missing fields.
const session = { session_id: S, first_ts: 1000, last_ts: 61000, tool_calls: 4, errors: 1, prompts: 2, cwd: '/w', git_branch: 'main',
  usage: { input_tokens: 10, output_tokens: 20, cache_creation_input_tokens: 30, cache_read_input_tokens: 40 },
  usage_buckets: [{ model: 'm', cost_usd: 0.25 }, { model: 'n', cost_usd: 0.5 }],
  tools: { Bash: { calls: 3, failures: 1, duration: { p50_ms: 100, p95_ms: 900 } } } };
eq([agg.durationMs(session), agg.tokenTotals(session).total, agg.costUsd(session), agg.prompts(session)], [60000, 100, 0.75, 2], 'session aggregate readers');
eq(agg.sessionTools(session).map((t) => [t.name, t.calls, t.failures, t.duration.p95]), [['Bash', 3, 1, 900]], 'session tools');
eq([agg.durationMs({}), agg.tokenTotals({}), agg.costUsd({}), fmt.count(agg.errors({}))], [undefined, undefined, undefined, '–'], 'empty aggregate reads as missing');
eq(agg.listOf({ tools: { Read: { calls: 1 } } }, 'tools').map(agg.toolRow).map((t) => t.name), ['Read'], 'tools as object or list');

// The gateway's shape (common/pricing): cost_usd {total|null, known_total, by_model, unknown_models}.
eq([agg.costText({ cost_usd: { total: 1.5, known_total: 1.5, by_model: { m: 1.5 }, unknown_models: [] } }),
  agg.costText({ cost_usd: { total: null, known_total: 0.42, by_model: { m: 0.42 }, unknown_models: ['x'] } }),
  agg.costText({ cost_usd: { total: 0, known_total: 0, by_model: {}, unknown_models: [] } }),
  agg.costText({ cost_usd: { total: null, known_total: null } })],
  ['$1.50', '≥ $0.42', '$0', '–'], 'cost: total, lower bound when a model is unpriced, zero, unknown');

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
