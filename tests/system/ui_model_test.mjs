// The web UI's pure logic (tools/trace-gateway/web/{format,events,timeline,
// aggregates}.js) run in Node on real event shapes: summaries, tool-call
// pairing across hook and transcript records, prompt dedupe across channels,
// token counting once per API message; and the aggregate readers on the
// bodies the real gateway serves (proto/golden/aggregates).

import fs from 'node:fs';
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

// OTel records (kind otel, proto/otlp.md): their own category, key attributes.
const api = ev(1600, { kind: 'otel', hook_type: 'log', event_type: 'claude_code.api_request', model: 'claude-opus-4-6',
  request_id: 'req_9', usage: { input_tokens: 3, output_tokens: 120, cache_read_input_tokens: 11442, cache_creation_input_tokens: 15005 },
  metrics: { cost_usd: 0.0421, duration_ms: 2345 }, data: { otel: 'log', attributes: { query_source: 'main' } } });
const otool = ev(1700, { kind: 'otel', hook_type: 'log', event_type: 'claude_code.tool_result', tool_name: 'Bash',
  is_error: true, error: 'Exit code 1', data: { attributes: {} } });
const point = ev(1800, { kind: 'otel', hook_type: 'metric', event_type: 'claude_code.token.usage',
  metrics: { type: 'sum', temporality: 'delta', value: 1200 }, data: { unit: 'tokens', attributes: { type: 'input', model: 'claude-opus-4-6' } } });
eq([evt.category(api), evt.isError(api), evt.summary(api)],
  ['otel', false, 'claude-opus-4-6 · 26k in · 120 out · $0.04 reported · req_9'], 'otel api_request summary');
eq([evt.category(otool), evt.summary(otool)], ['error', 'Bash · failed · Exit code 1'], 'otel failed tool_result');
eq([evt.category(point), evt.summary(point)], ['otel', '1200 tokens · input · claude-opus-4-6'], 'otel metric point summary');
eq([agg.reportedCost({ reported_cost_usd: 0.0421 }), agg.reportedCost({ reported_cost_usd: null })], [0.0421, undefined], 'reported cost');
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

// The parent/child tree: roots are events whose parent is unknown.
const a = { span_id: 'a', parent_id: null }, b = { span_id: 'b', parent_id: 'a' }, c = { span_id: 'c', parent_id: 'a' }, d = { span_id: 'd', parent_id: 'zz' };
const tree = tl.tree([a, b, c, d]);
eq([tree.roots.map((r) => r.span_id), tree.kids.get('a').map((k) => k.span_id)], [['a', 'd'], ['b', 'c']], 'tree by parent_id');

// Aggregates: the bodies the real gateway serves for a fixed input
// (proto/golden/aggregates, written by tests/system/aggregates_golden_test.sh).
// Expected values are worked out from the input lines, not copied from the
// files, so a changed count fails here as well as in the golden test.
const GOLDEN = path.join(SRC, 'proto/golden/aggregates');
const golden = (name) => JSON.parse(fs.readFileSync(path.join(GOLDEN, `${name}.json`), 'utf8'));
const A = 'aaaa1111-2222-4333-8444-555566667777';  // tests/fixtures/claude-home, fully priced
const B = 'bbbb2222-3333-4444-8555-666677778888';  // same, with an unpriced model
const list = golden('sessions').sessions;
const byId = new Map(list.map((x) => [agg.sessionId(x), x]));

// What the sessions table shows per row (sessions.js row()).
const row = (x) => [fmt.count(agg.prompts(x)), fmt.count(agg.toolCalls(x)), fmt.count(agg.errors(x)),
  fmt.tokens(agg.tokenTotals(x)?.total), agg.costText(x), fmt.duration(agg.durationMs(x))];
// A: prompts 2 (transcript); tool calls toolu_A1 Bash (is_error), A2 Read, A3 Task, S1 Grep;
// tokens 367 + 880 + 9200 + 83300 = 93,747; cost sonnet 0.040986 + opus 0.04315 (its
// 2000 cache writes: 500 5-minute at 6.25 + 1500 1-hour at 10 per 1M) + haiku 0.00343
// = 0.087566; first line 16:02:25.284 on 02-12, last 2026-02-13T00:00:09.000Z (the
// lines without a timestamp borrow their neighbours' and are no activity): 28,663,716 ms.
eq(row(byId.get(A)), ['2', '4', '1', '94k', '$0.09', '7h 57m'], 'session row: fully priced session');
eq(agg.tokenTitle(agg.tokenTotals(byId.get(A))), 'input 367 · output 880 · cache write 9,200 · cache read 83,300', 'session row: token breakdown');
// B: 3 prompts, no tools; tokens 151,100 + 1,510 + 60,000; claude-experimental-x has no
// price: known part 3-5-haiku 0.0028 + sonnet long tier 0.9585 = 0.9613, a lower bound;
// 09:00:00 to 09:03:30.
eq(row(byId.get(B)), ['3', '0', '0', '213k', '≥ $0.96', '3m 30s'], 'session row: unpriced model is a lower bound');
eq(agg.costIsLowerBound(byId.get(B)), true, 'lower bound flagged');
eq(row(byId.get('abc123')), ['0', '2', '2', '0', '$0', '0 ms'], 'session row: hook-only session, no tokens');
// Eleven sessions: ten from the transcript, hook and span inputs, and sess-005
// of the two http hook records in the ingest golden (no tools, tokens, errors).
eq([list.length, golden('sessions').total, list.slice(0, 3).map(agg.sessionId)], [11, 11, ['4d5611e5-241a-462a-8d15-5122611a9569', B, A]],
  'sessions list, most recent activity first');  // B ends 02-13 09:03:30, A 00:00:09
// The totals strip (sessions.js renderTotals) over all eleven sessions.
const sum = (f) => list.reduce((a, x) => a + (f(x) ?? 0), 0);
// Known cost over the eleven sessions: 1.148818 (1.143193 before msg_A3's 1500 1-hour
// cache writes cost 10 instead of 6.25 per 1M: + 1500 * 3.75 / 1e6 = 0.005625).
eq([sum(agg.toolCalls), sum(agg.errors), agg.totalCostText(list)], [11, 3, '≥ $1.15'], 'sessions totals: calls, errors, cost lower bound');

// Every reader finds its field in every session the server wrote: a renamed
// field reads as undefined here. Strings never seen are null (cwd, git_branch),
// so for those the member itself must be there.
const missing = list.flatMap((x) => Object.entries({
  session_id: agg.sessionId(x), first_ts: agg.firstTs(x), last_ts: agg.lastTs(x), prompts: agg.prompts(x),
  tool_calls: agg.toolCalls(x), errors: agg.errors(x), events: agg.events(x), usage: agg.tokenTotals(x),
  cost_usd: agg.costUsd(x), tools: x.tools, cwd: 'cwd' in x || undefined, git_branch: 'git_branch' in x || undefined,
}).filter(([, v]) => v === undefined).map(([k]) => `${agg.sessionId(x)}.${k}`));
eq(missing, [], 'every UI reader finds its field in every golden session');

// The session page reads /summary: the same aggregate as the list entry.
const summary = golden(`session.${A}`);
eq([row(summary), agg.project(summary), agg.branch(summary)], [row(byId.get(A)), '/home/dev/shop', 'feature/SHOP-42-checkout'],
  'session summary equals its list entry');
// Per-tool table: durations from tool_use to tool_result timestamps (no hook here).
eq(agg.sessionTools(summary).map((t) => [t.name, t.calls, t.failures, fmt.percent(t.failureRate), fmt.duration(t.duration.p50)]),
  [['Bash', 1, 1, '100%', '4.39 s'], ['Grep', 1, 0, '0%', '1.00 s'], ['Read', 1, 0, '0%', '500 ms'], ['Task', 1, 0, '0%', '34.6 s']],
  'session tools: calls, failures, failure rate, p50');

// A task (span records task-7: PreToolUse at …149000, PostToolUse at …149812).
const task = golden('task.task-7').task;
eq([fmt.count(agg.toolCalls(task)), agg.costText(task), fmt.duration(agg.durationMs(task)),
  agg.sessionTools(task).map((t) => [t.name, t.calls, fmt.duration(t.duration.max)])],
['1', '$0', '812 ms', [['Bash', 1, '812 ms']]], 'task aggregate: calls, cost, duration, tools');

// The tools view: Grep is the sub-agent's toolu_sub1 and the fixture's toolu_S1, 1 s each;
// Glob (transcript tool_use without a result) is still open: no duration, a dash.
const tools = new Map(golden('tools').tools.map(agg.toolRow).map((t) => [t.name, t]));
eq([...tools.keys()], ['Bash', 'Glob', 'Grep', 'Read', 'Task'], 'tools view: every tool, by name');
eq([tools.get('Grep').calls, tools.get('Grep').failures, fmt.duration(tools.get('Grep').duration.p95), fmt.duration(tools.get('Grep').duration.avg)],
  [2, 0, '1.00 s', '1.00 s'], 'tools view: Grep');
eq([tools.get('Glob').calls, tools.get('Glob').open, fmt.duration(tools.get('Glob').duration.p50), fmt.duration(tools.get('Glob').duration.max)],
  [1, 1, '–', '–'], 'tools view: an open call has no duration (count 0), not 0 ms');

// No summary yet (404): every card is a dash, nothing throws.
eq([fmt.count(agg.toolCalls(null)), fmt.tokens(agg.tokenTotals(null)?.total), agg.costText(null), fmt.duration(agg.durationMs(null)), agg.sessionTools(null)],
  ['–', '–', '–', '–', []], 'missing aggregate reads as dashes');

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
