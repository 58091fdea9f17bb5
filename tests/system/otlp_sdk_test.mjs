// The real OpenTelemetry JavaScript SDK (npm @opentelemetry/sdk-logs,
// sdk-metrics and their OTLP/HTTP exporters, JSON and protobuf, gzip and
// not) sends Claude-Code-shaped log events and metrics to the real gateway
// (trace-tail -> trace-index -> trace-gateway on free ports). The records
// appear as kind "otel" events in REST and on an EventSource stream; broken
// bodies get 400, oversized 413, wrong types 415, and none of them stores
// anything. The session aggregate counts the api_request's tokens and
// Claude Code's cost_usd (reported_cost_usd) and sums the metric points; a
// transcript of the same request arriving later replaces OTel's tokens (one
// count). Headless Chromium (when installed) shows the otel events in the
// live table and the reported cost on the session page.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { eq, freePort, pass, sleep, waitFor } from './lib.mjs';

const require = createRequire(import.meta.url);
const { EventSource } = require('eventsource');
const { diag, DiagLogLevel } = require('@opentelemetry/api');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const LogsJson = require('@opentelemetry/exporter-logs-otlp-http');
const LogsProto = require('@opentelemetry/exporter-logs-otlp-proto');
const MetricsJson = require('@opentelemetry/exporter-metrics-otlp-http');
const MetricsProto = require('@opentelemetry/exporter-metrics-otlp-proto');
const BIN = process.env.TRACE_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';


// Export errors the SDK reports (it never throws them at the caller).
const exportErrors = [];
diag.setLogger({ error: (...a) => exportErrors.push(a.join(' ')), warn: (...a) => exportErrors.push(a.join(' ')),
  info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-otlp-'));
const home = path.join(dir, 'home');
fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
const env = { ...process.env, HOME: home, XDG_DATA_HOME: path.join(dir, 'data'),
  CLAUDE_CONFIG_DIR: path.join(home, '.claude') };
const spool = path.join(dir, 'data', 'claude-trace', 'spool', 'ingest.jsonl');
const [pub, ctl, ipub, http] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
const ep = (p) => `tcp://127.0.0.1:${p}`;
const procs = [];
function start(name, args) {
  const log = fs.openSync(path.join(dir, name + '.log'), 'a');
  procs.push(spawn(path.join(BIN, name), args, { env, stdio: ['ignore', log, log] }));
}
const base = `http://127.0.0.1:${http}`;
const MAX_BODY = 65536;

// Claude Code's resource and its three most used log events for one session.
const resource = (session) => resourceFromAttributes({ 'service.name': 'claude-code',
  'service.version': '2.1.200', 'host.name': 'teammate-box', 'os.type': 'linux' });
function claudeEvents(session, n) {
  const common = { 'session.id': session, 'user.email': 'dev@example.com', 'user.account_uuid': 'acc-9',
    'organization.id': 'org-3', 'terminal.type': 'vscode', 'app.version': '2.1.200', 'prompt.id': `p-${n}` };
  return [
    { body: 'claude_code.user_prompt', attributes: { ...common, 'event.name': 'user_prompt', prompt_length: '42' } },
    { body: 'claude_code.api_request', attributes: { ...common, 'event.name': 'api_request',
      model: 'claude-opus-4-6', cost_usd: '0.0421', duration_ms: '2345', input_tokens: '3', output_tokens: '120',
      cache_read_tokens: '11442', cache_creation_tokens: '15005', request_id: `req_${session}_${n}`,
      query_source: 'main' } },
    { body: 'claude_code.tool_result', attributes: { ...common, 'event.name': 'tool_result', tool_name: 'Bash',
      tool_use_id: `toolu_${session}_${n}`, success: 'false', duration_ms: '4187', error: 'Exit code 1' } },
  ];
}

async function sendLogs(Exporter, session, compression) {
  const exporter = new Exporter.OTLPLogExporter({ url: base + '/v1/logs', compression });
  const provider = new LoggerProvider({ resource: resource(session),
    processors: [new BatchLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('com.anthropic.claude_code.events', '2.1.200');
  const t = Date.now();
  for (const e of claudeEvents(session, 1)) logger.emit({ ...e, timestamp: t });
  await provider.forceFlush();
  await provider.shutdown();
}

async function sendMetrics(Exporter, session, compression) {
  const exporter = new Exporter.OTLPMetricExporter({ url: base + '/v1/metrics', compression,
    temporalityPreference: MetricsJson.AggregationTemporalityPreference.DELTA });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60000 });
  const provider = new MeterProvider({ resource: resource(session), readers: [reader] });
  const meter = provider.getMeter('com.anthropic.claude_code', '2.1.200');
  const attrs = { 'session.id': session, 'user.email': 'dev@example.com', model: 'claude-opus-4-6' };
  meter.createCounter('claude_code.token.usage', { unit: 'tokens' }).add(1200, { ...attrs, type: 'input' });
  meter.createCounter('claude_code.cost.usage', { unit: 'USD' }).add(0.25, attrs);
  meter.createCounter('claude_code.session.count').add(1, attrs);
  await provider.forceFlush();
  await provider.shutdown();
}

const summary = async (session) => (await fetch(`${base}/api/sessions/${session}/summary`)).json();
const traces = async (session) => (await (await fetch(`${base}/api/traces?session_id=${session}&limit=100`)).json()).traces;
const spoolLines = () => (fs.existsSync(spool) ? fs.readFileSync(spool, 'utf8').split('\n').length - 1 : 0);

// The live table lists the otel events with their pill and key attributes;
// the session page shows Claude Code's reported cost beside ours.
async function uiChecks() {
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base + '/#/live');
    await page.waitForFunction(() => [...document.querySelectorAll('#live-table .ev')]
      .some((r) => r.children[2].textContent === 'claude_code.api_request'), null, { timeout: 15000 });
    const rows = await page.$$eval('#live-table .ev', (rs) => rs.map((r) => ({
      type: r.children[2].textContent, pill: r.children[2].firstChild.className, sum: r.children[5].textContent })));
    const api = rows.find((r) => r.type === 'claude_code.api_request');
    eq([api.pill, /claude-opus-4-6 · 26k in · 120 out · \$0\.04 reported · req_sess-js-/.test(api.sum)],
      ['pill cat-otel', true], `api_request row (${api.sum})`);
    const tool = rows.find((r) => r.type === 'claude_code.tool_result');
    eq([tool.pill, tool.sum], ['pill cat-error', 'Bash · failed · Exit code 1'], 'failed tool_result row');
    const metric = rows.find((r) => r.type === 'claude_code.token.usage');
    eq([metric.pill, metric.sum], ['pill cat-otel', '1200 tokens · input · claude-opus-4-6'], 'metric point row');
    await page.goto(base + '/#/session/sess-js-proto');
    await page.waitForSelector('#card-reported-cost', { timeout: 10000 });
    eq(await page.$eval('#card-reported-cost .v', (e) => e.textContent), '$0.04', 'session page: reported cost card');
    eq(errors, [], 'no page errors');
    pass('UI: otel events in the live table (pill, summary), reported cost on the session page');
  } finally {
    await browser.close();
  }
}

let ok = false;
let es;
try {
  start('trace-tail', ['--pub', ep(pub), '--control', ep(ctl)]);
  start('trace-index', ['--sub', ep(pub), '--tail-control', ep(ctl), '--pub', ep(ipub), '--batch-ms', '5']);
  start('trace-gateway', ['--sub', ep(ipub), '--listen', `127.0.0.1:${http}`, '--max-body', String(MAX_BODY)]);
  await waitFor('gateway ready', async () => (await fetch(base + '/health')).status === 200);
  // A first event through the whole pipeline: it is up, and the OTel events
  // get seq > 1 (a stream resumes after a seq; last_event_id=0 means live only).
  await fetch(base + '/api/hooks', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ session_id: 'warm-up', hook_event_name: 'SessionStart' }) });
  await waitFor('pipeline up', async () => (await traces('warm-up')).length === 1);

  const cases = [
    { session: 'sess-js-json', logs: LogsJson, metrics: MetricsJson, compression: 'none' },
    { session: 'sess-js-proto', logs: LogsProto, metrics: MetricsProto, compression: 'gzip' },
  ];
  for (const c of cases) {
    await sendLogs(c.logs, c.session, c.compression);
    await sendMetrics(c.metrics, c.session, c.compression);
    eq(exportErrors, [], `SDK export errors (${c.session})`);
    await waitFor(`${c.session} events`, async () => (await traces(c.session)).length === 6);
    const evs = await traces(c.session);
    const by = Object.fromEntries(evs.map((e) => [e.event_type, e]));
    eq(evs.every((e) => e.kind === 'otel' && e.session_id === c.session), true, 'kind and session');
    eq(Object.keys(by).sort(), ['claude_code.api_request', 'claude_code.cost.usage', 'claude_code.session.count',
      'claude_code.token.usage', 'claude_code.tool_result', 'claude_code.user_prompt'], 'event types');
    const api = by['claude_code.api_request'];
    eq([api.model, api.request_id, api.duration_ms], ['claude-opus-4-6', `req_${c.session}_1`, 2345], 'api_request fields');
    eq(api.usage, { input_tokens: 3, output_tokens: 120, cache_read_input_tokens: 11442,
      cache_creation_input_tokens: 15005 }, 'api_request usage');
    eq(api.metrics.cost_usd, 0.0421, "Claude Code's cost_usd");
    eq([api.tags['user.email'], api.tags['organization.id'], api.tags['host.name'], api.tags['terminal.type'],
      api.tags['app.version']], ['dev@example.com', 'org-3', 'teammate-box', 'vscode', '2.1.200'], 'identity tags');
    const tool = by['claude_code.tool_result'];
    eq([tool.tool_name, tool.tool_use_id, tool.is_error, tool.duration_ms], ['Bash', `toolu_${c.session}_1`, true, 4187], 'tool_result');
    const tokens = by['claude_code.token.usage'];
    eq([tokens.metrics.type, tokens.metrics.temporality, tokens.metrics.value], ['sum', 'delta', 1200], 'token metric');
    eq(by['claude_code.cost.usage'].metrics.value, 0.25, 'cost metric');
    eq(tokens.data.attributes.type, 'input', 'metric attributes kept');
    // An EventSource resuming just before the session's first event: the
    // stream replays them from the store and goes on live (no timing race
    // with when the live feed joined).
    const from = Math.min(...evs.map((e) => e.seq)) - 1;
    const streamed = [];
    es = new EventSource(`${base}/api/stream?session_id=${c.session}&last_event_id=${from}`);
    es.addEventListener('trace', (e) => streamed.push(JSON.parse(e.data)));
    await waitFor(`${c.session} on the stream`, () => streamed.length === 6);
    eq(streamed.map((e) => e.span_id).sort(), evs.map((e) => e.span_id).sort(), 'streamed = stored');
    es.close();
    pass(`SDK ${c.session.slice(8)} exporters (compression ${c.compression}): 3 log events + 3 metrics as otel events in REST and SSE`);
    await waitFor(`${c.session} aggregate`, async () => (await summary(c.session)).usage?.messages === 1);
    const s = await summary(c.session);
    eq([s.usage.input_tokens, s.usage.output_tokens, s.usage.cache_read_input_tokens, s.usage.cache_creation_input_tokens],
      [3, 120, 11442, 15005], 'OTel-only session: tokens from api_request');
    eq([s.reported_cost_usd, s.reported_requests, s.model], [0.0421, 1, 'claude-opus-4-6'], "reported cost (Claude Code's own)");
    eq(typeof s.cost_usd?.total, 'number', 'our priced cost beside it');
    eq([s.tool_calls, s.tool_failures, s.tools.Bash?.duration?.max_ms], [1, 1, 4187], 'OTel-only session: its tool call');
    eq([s.metrics['claude_code.token.usage'], s.metrics['claude_code.cost.usage'].value],
      [{ value: 1200, by_type: { input: 1200 } }, 0.25], 'metric points summed per session');
    pass(`${c.session.slice(8)}: tokens, reported_cost_usd, tool call and metric sums in the session aggregate`);
  }

  // The transcript of sess-js-json's request arrives after its OTel record:
  // its counts replace OTel's (output 99, not 120), counted once.
  const project = path.join(home, '.claude', 'projects', '-home-dev-p');
  fs.mkdirSync(project, { recursive: true });
  const line = { type: 'assistant', uuid: 'u-otel-1', sessionId: 'sess-js-json', timestamp: new Date().toISOString(),
    requestId: 'req_sess-js-json_1', cwd: '/home/dev/p', message: { id: 'msg_otel_1', role: 'assistant',
      model: 'claude-opus-4-6', content: [{ type: 'text', text: 'done' }],
      usage: { input_tokens: 3, output_tokens: 99, cache_read_input_tokens: 11442, cache_creation_input_tokens: 15005 } } };
  fs.writeFileSync(path.join(project, 'sess-js-json.jsonl'), JSON.stringify(line) + '\n');
  await waitFor('transcript counted', async () => (await summary('sess-js-json')).usage?.output_tokens === 99);
  const both = await summary('sess-js-json');
  eq([both.usage.messages, both.assistant_turns, both.reported_cost_usd], [1, 1, 0.0421], 'one request through OTel and transcript');
  pass('OTel first, transcript later: the transcript\'s tokens, counted once; reported cost kept');

  if (fs.existsSync(CHROMIUM)) {
    await uiChecks();
  } else {
    console.log(`SKIP: UI checks (no ${CHROMIUM})`);
  }

  // Bad input: the right status, a reason, and nothing in the spool.
  const before = spoolLines();
  const post = (p, type, body, headers = {}) => fetch(base + p, { method: 'POST', body,
    headers: { 'Content-Type': type, ...headers } });
  let r = await post('/v1/logs', 'application/x-protobuf', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
  eq(r.status, 400, 'truncated protobuf');
  eq(r.headers.get('content-type'), 'application/x-protobuf', 'protobuf error body type');
  r = await post('/v1/metrics', 'application/json', '{"resourceMetrics":[');
  eq(r.status, 400, 'unparsable JSON');
  const body = await r.json();
  eq([body.code, body.error.code, /invalid JSON/.test(body.message)], [3, 'bad_request', true], 'JSON error body');
  r = await post('/v1/logs', 'application/json', '{"resourceLogs":{}}');
  eq(r.status, 400, 'wrong shape');
  r = await post('/v1/logs', 'application/json', 'x'.repeat(MAX_BODY + 1));
  eq(r.status, 413, 'over the cap');
  const bomb = zlib.gzipSync(Buffer.alloc(8 << 20, 0x20));  // 8 MiB of spaces from ~8 KB
  r = await post('/v1/logs', 'application/json', bomb, { 'Content-Encoding': 'gzip' });
  eq(r.status, 413, 'gzip bomb');
  r = await post('/v1/logs', 'application/json', zlib.gzipSync('{"resourceLogs":[]}').subarray(0, 12), { 'Content-Encoding': 'gzip' });
  eq(r.status, 400, 'truncated gzip');
  r = await post('/v1/logs', 'text/plain', '{}');
  eq(r.status, 415, 'wrong content type');
  r = await post('/v1/logs', 'application/json', '{}', { 'Content-Encoding': 'br' });
  eq(r.status, 415, 'unknown encoding');
  r = await post('/v1/logs', 'application/json', '{"resourceLogs":[{"scopeLogs":[{"logRecords":[7]}]}]}');
  eq([r.status, (await r.json()).partialSuccess.rejectedLogRecords], [200, 1], 'partial success');
  await sleep(300);
  eq(spoolLines(), before, 'nothing of a refused request in the spool');
  pass('bad bodies: 400 unparsable, 413 over the cap (gzip bomb too), 415 wrong type; nothing stored');
  ok = true;
} catch (e) {
  console.error('FAIL:', e.stack);
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.log'))) {
    console.error(`== ${f}\n` + fs.readFileSync(path.join(dir, f), 'utf8').split('\n').slice(-30).join('\n'));
  }
} finally {
  if (es) es.close();
  for (const p of procs) p.kill('SIGTERM');
  await sleep(200);
  if (ok) fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
