// Browser test of the web UI's Usage view against the real pipeline
// (trace-tail following a temporary Claude home, trace-index, trace-gateway
// on free loopback ports) in headless Chromium: the daily bars stacked by
// model, the active 5-hour block with burn rate and projection, weekly and
// monthly totals, the project table, and a live update when a new assistant
// line is written. Expected dollars are worked out in the comments
// (tests/fixtures/prices.json: sonnet-4-5 $3, haiku-4-5 $1 per 1M input).
// Console errors and page errors fail the test; screenshot usage.png.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BIN = process.env.TRACE_BIN || path.resolve('build/bin');
const SRC = process.env.TRACE_SOURCE_DIR || path.resolve('.');
const SHOTS = process.env.TRACE_SCREENSHOTS || path.join(BIN, '..', 'screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
if (!['trace-tail', 'trace-index', 'trace-gateway'].every((b) => fs.existsSync(path.join(BIN, b))) || !fs.existsSync(CHROMIUM)) {
  console.log('SKIP: needs the binaries and chromium');
  process.exit(77);
}

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'ui-usage-'));
const CLAUDE = path.join(TMP, 'claude');
const DB = path.join(TMP, 'db');
const daemons = [];
let passed = 0, failed = 0;
const check = (ok, what, detail = '') => {
  if (ok) { passed++; console.log(`ok   ${what}`); } else { failed++; console.log(`FAIL ${what}${detail ? ': ' + detail : ''}`); }
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(fn, ms, what) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await sleep(50);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${last})`);
}
const freePort = () => new Promise((resolve) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});
function start(name, args) {
  const log = fs.openSync(path.join(TMP, `${name}.log`), 'a');
  const env = { ...process.env, CLAUDE_CONFIG_DIR: CLAUDE, XDG_DATA_HOME: path.join(TMP, 'xdg'),
    TRACE_PRICES: path.join(SRC, 'tests/fixtures/prices.json') };
  const child = spawn(path.join(BIN, name), args, { env, stdio: ['ignore', log, log] });
  daemons.push(child);
  return child;
}

const NOW = Date.now();
const DAY = 86400000;
const utcDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const noon = (back) => Date.parse(`${utcDay(NOW - back * DAY)}T12:00:00.000Z`);
let n = 0;
function assistant(session, cwd, ts, model, input) {
  n++;
  return JSON.stringify({ parentUuid: null, isSidechain: false, cwd, sessionId: session, version: '2.1.90',
    type: 'assistant', uuid: `u-${n}`, timestamp: new Date(ts).toISOString(), requestId: `req-${n}`,
    message: { model, id: `msg-${n}`, type: 'message', role: 'assistant', content: [{ type: 'text', text: 'ok' }],
      usage: { input_tokens: input, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } } }) + '\n';
}
const SONNET = 'claude-sonnet-4-5-20250929', HAIKU = 'claude-haiku-4-5-20251001';

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const shopDir = path.join(CLAUDE, 'projects', '-home-dev-shop');
  const apiDir = path.join(CLAUDE, 'projects', '-srv-api');
  fs.mkdirSync(shopDir, { recursive: true });
  fs.mkdirSync(apiDir, { recursive: true });
  const live = NOW - 60000;
  // Two days ago: sonnet 100k = $0.30. Yesterday: sonnet 100k ($0.30) + haiku
  // 150k ($0.15) = $0.45. A minute ago: sonnet 50k = $0.15, the active block.
  fs.writeFileSync(path.join(shopDir, 's-shop.jsonl'),
    assistant('s-shop', '/home/dev/shop', noon(2), SONNET, 100000) +
    assistant('s-shop', '/home/dev/shop', noon(1), SONNET, 100000) +
    assistant('s-shop', '/home/dev/shop', live, SONNET, 50000));
  fs.writeFileSync(path.join(apiDir, 's-api.jsonl'), assistant('s-api', '/srv/api', noon(1) + 3600000, HAIKU, 150000));

  const [control, tailPub, indexPub, http] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const ep = (p) => `tcp://127.0.0.1:${p}`;
  start('trace-index', ['--sub', ep(tailPub), '--tail-control', ep(control), '--pub', ep(indexPub), '--db', DB, '--data-dir', path.join(TMP, 'data')]);
  start('trace-tail', ['--pub', ep(tailPub), '--control', ep(control), '--state', path.join(TMP, 'state.json'), '--data-dir', path.join(TMP, 'data')]);
  await waitFor(() => fs.existsSync(path.join(DB, 'data.mdb')), 15000, 'the store');
  start('trace-gateway', ['--db', DB, '--sub', ep(indexPub), '--listen', `127.0.0.1:${http}`, '--data-dir', path.join(TMP, 'data')]);
  const base = `http://127.0.0.1:${http}`;
  const usage = async (q) => (await fetch(`${base}/api/usage?${q}`)).json();
  await waitFor(async () => (await usage('by=model')).totals.messages === 4, 20000, 'four messages indexed');
  check(true, 'pipeline up, four messages indexed');

  const browser = await chromium.launchPersistentContext(path.join(TMP, 'chromium'), {
    executablePath: CHROMIUM, timezoneId: 'UTC',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    viewport: { width: 1440, height: 1000 }, colorScheme: 'dark',
  });
  const errors = [];
  try {
    const page = browser.pages()[0] ?? await browser.newPage();
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(`${base}/#/usage`);
    await page.waitForSelector('#view-usage[data-loads]');
    check(await page.isVisible('#view-usage'), 'the Usage tab shows the view');
    const dayValue = (ms) => page.getAttribute(`#usage-daily-chart g.day[data-day="${utcDay(ms)}"]`, 'data-value');
    const near = (v, want) => Math.abs(Number(v) - want) < 1e-9;
    check(near(await dayValue(noon(2)), 0.30), 'bar two days ago: $0.30', await dayValue(noon(2)));
    check(near(await dayValue(noon(1)), 0.45), 'bar yesterday: $0.45 (two models)', await dayValue(noon(1)));
    const stacked = await page.$$eval(`#usage-daily-chart g.day[data-day="${utcDay(noon(1))}"] rect`, (r) => r.map((x) => x.dataset.model));
    check(stacked.join() === `${HAIKU},${SONNET}`, 'yesterday stacked by model', stacked.join());
    check(await page.$$eval('#usage-daily-chart g.day', (g) => g.length) === 30, 'thirty days by default');
    check(await page.getAttribute('#usage-block', 'data-active') === 'true', 'the active block is shown');
    check((await page.textContent('#usage-block-cost')) === '$0.15', 'block cost $0.15', await page.textContent('#usage-block-cost'));
    check(/\/h$/.test(await page.textContent('#usage-burn')), 'burn rate per hour');
    const projects = await page.$$eval('#usage-projects tbody tr', (r) => r.map((x) => x.children[0].textContent).join());
    check(projects === '/home/dev/shop,/srv/api', 'projects, most recent first', projects);
    check(await page.$$eval('#usage-weeks tbody tr', (r) => r.length) >= 1, 'weekly totals');
    check(await page.$$eval('#usage-months tbody tr', (r) => r.length) >= 1, 'monthly totals');
    await page.selectOption('#usage-range', '7');
    await waitFor(async () => (await page.$$eval('#usage-daily-chart g.day', (g) => g.length)) === 7, 5000, 'seven bars');
    check(true, 'the range picker shows seven days');
    await page.click('button[data-metric=tokens]');
    check(Number(await dayValue(noon(1))) === 250000, 'tokens per day: 250,000 yesterday');
    await page.click('button[data-metric=cost]');
    await page.screenshot({ path: path.join(SHOTS, 'usage.png'), fullPage: true });

    // Live: a new haiku message (100k = $0.10) joins the active block: $0.25.
    fs.appendFileSync(path.join(apiDir, 's-api.jsonl'), assistant('s-api', '/srv/api', Date.now(), HAIKU, 100000));
    await waitFor(async () => (await page.textContent('#usage-block-cost')) === '$0.25', 15000, 'block cost $0.25');
    check(true, 'a new message on the stream updates the block to $0.25');
    await page.screenshot({ path: path.join(SHOTS, 'usage-live.png'), fullPage: true });
    check(errors.length === 0, 'no console errors or page errors', errors.slice(0, 5).join(' | '));
  } finally {
    await browser.close();
  }
}

try {
  await main();
} catch (e) {
  failed++;
  console.log(`FAIL ${e.stack || e}`);
  for (const f of fs.readdirSync(TMP).filter((x) => x.endsWith('.log'))) console.log(`--- ${f}:\n${fs.readFileSync(path.join(TMP, f), 'utf8').slice(-2000)}`);
} finally {
  for (const d of daemons) d.kill('SIGTERM');
  await sleep(200);
  if (failed === 0) fs.rmSync(TMP, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed; screenshots in ${SHOTS}`);
  process.exit(failed === 0 ? 0 : 1);
}
