// A real WHATWG EventSource (npm `eventsource`) against the real pipeline:
// it receives live events, and when the gateway is killed and restarted it
// reconnects by itself and resumes with Last-Event-ID: every event appended
// meanwhile arrives exactly once, in seq order. A client whose Last-Event-ID is
// above the store's last seq (the store was rebuilt) gets `event: reset` with
// the store's last seq, then the live events after it, and resumes from there.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { freePort, sleep, waitFor } from './lib.mjs';

const require = createRequire(import.meta.url);
const { EventSource } = require('eventsource');
const BIN = process.env.TRACE_BIN;


const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-es-'));
const home = path.join(dir, 'home');
const traces = path.join(home, '.claude', 'traces');
fs.mkdirSync(traces, { recursive: true });
const env = { ...process.env, HOME: home, XDG_DATA_HOME: path.join(dir, 'data'),
  CLAUDE_CONFIG_DIR: path.join(home, '.claude') };
const [pub, ctl, ipub, http] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
const ep = (p) => `tcp://127.0.0.1:${p}`;
const procs = {};
function start(name, args) {
  const log = fs.openSync(path.join(dir, name + '.log'), 'a');
  procs[name] = spawn(path.join(BIN, name), args, { env, stdio: ['ignore', log, log] });
}
async function stop(name) {
  const p = procs[name];
  delete procs[name];
  if (p.exitCode !== null) return p.exitCode;
  const done = new Promise((r) => p.once('exit', (code) => r(code)));
  p.kill('SIGTERM');
  return done;
}
const startGateway = () => start('trace-gateway', ['--sub', ep(ipub), '--listen', `127.0.0.1:${http}`,
  '--retry-ms', '200']);
const base = `http://127.0.0.1:${http}`;
let n = 0;
const append = (count) => {
  let text = '';
  for (let i = 0; i < count; i++, n++) {
    text += JSON.stringify({ span_id: `es-${n}`, session_id: 'es', event_type: 'PreToolUse',
      tool_name: 'Bash', timestamp: 1764000000000 + n }) + '\n';
  }
  fs.appendFileSync(path.join(traces, 'es.jsonl'), text);
};

let ok = false;
let es, es2;
try {
  start('trace-tail', ['--pub', ep(pub), '--control', ep(ctl)]);
  start('trace-index', ['--sub', ep(pub), '--tail-control', ep(ctl), '--pub', ep(ipub), '--batch-ms', '5']);
  startGateway();
  await waitFor('gateway ready', async () => (await fetch(base + '/health')).status === 200);

  const got = [];
  let opens = 0;
  es = new EventSource(base + '/api/stream?session_id=es');
  es.onopen = () => { opens++; };
  es.addEventListener('trace', (e) => got.push({ id: Number(e.lastEventId), span: JSON.parse(e.data).span_id }));
  await waitFor('open', () => opens === 1);
  append(10);
  await waitFor('10 live events', () => got.length === 10);
  console.log('PASS: EventSource receives live events');

  if (await stop('trace-gateway') !== 0) throw new Error('gateway exit code on SIGTERM');
  append(25);  // written while no gateway is up
  startGateway();
  await waitFor('reconnect', () => opens >= 2, 30000);
  append(5);
  await waitFor('all 40 events', () => got.length >= 40, 30000);
  await sleep(300);  // let any duplicate show up before judging
  const spans = got.map((g) => g.span);
  const expected = Array.from({ length: 40 }, (_, i) => `es-${i}`);
  if (JSON.stringify(spans) !== JSON.stringify(expected)) {
    throw new Error('after reconnect got ' + JSON.stringify(spans));
  }
  const ids = got.map((g) => g.id);
  if (!ids.every((id, i) => i === 0 || id > ids[i - 1])) throw new Error('ids not increasing ' + ids);
  console.log(`PASS: EventSource reconnects (${opens} opens) and resumes by Last-Event-ID: 40 events exactly once, in order`);

  const top = ids[ids.length - 1];
  const resets = [];
  const got2 = [];
  let opens2 = 0;
  es2 = new EventSource(base + `/api/stream?session_id=es&last_event_id=${top + 1000}`);
  es2.onopen = () => { opens2++; };
  es2.addEventListener('reset', (e) => resets.push({ id: e.lastEventId, data: JSON.parse(e.data) }));
  es2.addEventListener('trace', (e) => got2.push(JSON.parse(e.data).span_id));
  await waitFor('reset event', () => resets.length === 1);
  const r = resets[0];
  if (r.id !== String(top) || r.data.last_seq !== top || r.data.last_event_id !== top + 1000) {
    throw new Error('reset event ' + JSON.stringify(r));
  }
  append(3);
  await waitFor('3 live events after the reset', () => got2.length === 3);
  if (JSON.stringify(got2) !== JSON.stringify(['es-40', 'es-41', 'es-42'])) throw new Error('after reset got ' + got2);
  if (await stop('trace-gateway') !== 0) throw new Error('gateway exit code on SIGTERM');
  append(2);
  startGateway();
  await waitFor('reconnect after reset', () => opens2 >= 2, 30000);
  await waitFor('resumed after the reset', () => got2.length >= 5, 30000);
  await sleep(300);
  if (JSON.stringify(got2) !== JSON.stringify(['es-40', 'es-41', 'es-42', 'es-43', 'es-44']) || resets.length !== 1) {
    throw new Error(`after reset + reconnect got ${got2}, ${resets.length} resets`);
  }
  console.log('PASS: Last-Event-ID above the store gets event: reset (id and last_seq = store\'s), then live events; reconnect resumes from there');
  ok = true;
} finally {
  if (es) es.close();
  if (es2) es2.close();
  for (const name of Object.keys(procs)) await stop(name);
  if (ok) {
    fs.rmSync(dir, { recursive: true, force: true });
  } else {
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.log'))) {
      console.error('== ' + f + '\n' + fs.readFileSync(path.join(dir, f), 'utf8').split('\n').slice(-20).join('\n'));
    }
  }
}
process.exit(ok ? 0 : 1);
