// Entry point of the claude-trace web UI: loads recent history over REST,
// then follows /api/stream, handing events to the views once per animation
// frame. Owns the router (#/live, #/sessions, #/session/<id>, #/tools, #/usage), the
// connection badge, the indexing banner, the notices and the token prompt.

import { h, mount } from './dom.js';
import * as fmt from './format.js';
import { getJson, adoptUrlToken, setToken, AuthRequired } from './api.js';
import { TraceStream } from './stream.js';
import { LiveView, ROW_CAP } from './live.js';
import { SessionsView } from './sessions.js';
import { SessionView } from './session.js';
import { ToolsView } from './tools.js';
import { UsageView } from './usage.js';
import { FrameMeter } from './perf.js';
import { IndexingBanner } from './indexing.js';

const HISTORY = 200;
// At high rates the DOM is touched at most this often (still inside an
// animation frame): each update repaints the visible table, and nobody reads
// rows that change 60 times a second. A lone event renders at once.
const MIN_RENDER_INTERVAL_MS = 80;

class App {
  constructor() {
    adoptUrlToken();
    this.queue = [];
    this.scheduled = false;
    this.lastFlush = 0;
    this.received = 0;
    this.meter = new FrameMeter();
    this.rate = { n: 0, at: performance.now(), value: 0 };
    const onError = (e) => this.error(e);
    this.live = new LiveView({});
    this.sessions = new SessionsView({ onError });
    this.session = new SessionView({ onError });
    this.tools = new ToolsView({ onError });
    this.usage = new UsageView({ onError });
    this.stream = new TraceStream({ onEvent: (ev) => this.enqueue(ev), onState: (s, i) => this.state(s, i),
      onReset: (top) => this.storeReset(top) });
    this.buildChrome();
    window.addEventListener('hashchange', () => this.route());
    window.addEventListener('keydown', (e) => this.key(e));
    setInterval(() => this.updateRate(), 1000);
    window.__traceUi = this.debugHandle();
  }

  buildChrome() {
    this.badge = h('span.badge#conn', { title: 'stream connection' }, 'connecting');
    this.rateEl = h('span.stat#rate', '0 ev/s');
    this.seqEl = h('span.stat#last-seq', 'seq –');
    this.notices = h('div.notices#notices');
    this.indexing = new IndexingBanner();
    this.nav = {};
    const tab = (key, label) => (this.nav[key] = h('a.tab', { href: `#/${key}` }, label));
    this.main = h('main#main', this.live.root, this.sessions.root, this.session.root, this.tools.root, this.usage.root);
    mount(document.body,
      h('header.top',
        h('a.brand', { href: '#/live' }, h('img', { src: 'favicon.svg', alt: '', width: 20, height: 20 }), 'claude-trace'),
        h('nav', tab('live', 'Live'), tab('sessions', 'Sessions'), tab('tools', 'Tools'), tab('usage', 'Usage')),
        h('div.spacer'), this.rateEl, this.seqEl, this.badge),
      this.indexing.root, this.notices, this.main);
    this.indexing.start();
  }

  async start() {
    this.route();
    let lastSeq = 0;
    try {
      const page = await getJson('api/traces', { limit: HISTORY });
      const known = this.stream.lastSeq;
      const list = (page?.traces ?? []).filter((e) => e.seq > known);
      lastSeq = list.reduce((m, e) => Math.max(m, e.seq), known);
      this.live.seed(list);
      this.received += list.length;
    } catch (e) {
      if (e instanceof AuthRequired) { this.state('auth', {}); return; }
      this.error(e);
    }
    this.stream.start(lastSeq);
    this.seqEl.textContent = `seq ${lastSeq || '–'}`;
  }

  enqueue(ev) {
    this.queue.push(ev);
    this.received++;
    this.rate.n++;
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => this.flush());
    // rAF does not run in background tabs; drain anyway so memory stays flat.
    this.fallback = setTimeout(() => this.flush(), 1000);
  }

  flush() {
    if (!this.scheduled) return;
    if (performance.now() - this.lastFlush < MIN_RENDER_INTERVAL_MS && !document.hidden) {
      requestAnimationFrame(() => this.flush());
      return;
    }
    this.scheduled = false;
    this.lastFlush = performance.now();
    clearTimeout(this.fallback);
    const batch = this.queue;
    this.queue = [];
    const t0 = performance.now();
    this.live.ingest(batch);
    this.sessions.noteEvents(batch);
    this.session.noteEvents(batch);
    this.tools.noteEvents(batch);
    this.usage.noteEvents(batch);
    this.seqEl.textContent = `seq ${this.stream.lastSeq}`;
    this.meter.work(performance.now() - t0, batch.length);
  }

  // "/" focuses the current view's search box, as in most log viewers.
  key(e) {
    if (e.key !== '/' || e.target.closest('input, textarea, dialog')) return;
    const box = this.main.querySelector('section.view:not([hidden]) input[type=search]');
    if (box) { e.preventDefault(); box.focus(); }
  }

  updateRate() {
    const now = performance.now();
    this.rate.value = (this.rate.n * 1000) / (now - this.rate.at);
    this.rate.n = 0;
    this.rate.at = now;
    this.rateEl.textContent = `${this.rate.value >= 10 ? Math.round(this.rate.value) : this.rate.value.toFixed(1)} ev/s`;
  }

  route() {
    const hash = location.hash.replace(/^#\/?/, '') || 'live';
    const [path, qs] = hash.split('?');
    const [name, ...rest] = path.split('/');
    const view = ['live', 'sessions', 'session', 'tools', 'usage'].includes(name) ? name : 'live';
    for (const [k, el] of Object.entries({ live: this.live.root, sessions: this.sessions.root, session: this.session.root, tools: this.tools.root, usage: this.usage.root })) {
      el.hidden = k !== view;
    }
    for (const [k, a] of Object.entries(this.nav)) a.classList.toggle('active', k === view || (k === 'sessions' && view === 'session'));
    if (view === 'sessions') this.sessions.show(); else this.sessions.hide();
    if (view === 'tools') this.tools.show(); else this.tools.hide();
    if (view === 'usage') this.usage.show(); else this.usage.hide();
    if (view === 'session') this.session.show(decodeURIComponent(rest.join('/')));
    else this.session.hide();
    if (view === 'live' && qs) {
      const s = new URLSearchParams(qs).get('session');
      if (s) { document.getElementById('f-session').value = s; this.live.setFilter('session', s); }
    }
    document.title = `claude-trace · ${view === 'session' ? 'session' : view}`;
  }

  state(state, info) {
    const labels = { connecting: 'connecting', live: 'live', reconnecting: 'reconnecting', offline: 'offline', auth: 'token needed' };
    this.badge.textContent = labels[state] ?? state;
    this.badge.className = `badge ${state}`;
    this.badge.title = state === 'offline' ? `gateway unreachable since ${fmt.clock(info.lostAt, false)}; retrying` : 'stream connection';
    if (state === 'auth') this.askToken();
    if (state === 'offline') this.notice('error', `Cannot reach the gateway since ${fmt.clock(info.lostAt, false)}; retrying. Events written meanwhile will be replayed.`, 'conn');
    if (state === 'live') this.dismiss('conn');
    if (state === 'live' && info.lostAt) this.reconnected(info);
  }

  reconnected(info) {
    const secs = ((Date.now() - info.lostAt) / 1000).toFixed(1);
    const what = info.unreachable ? 'Gateway was unreachable (restarted?)' : 'Stream connection dropped';
    const note = this.notice('info', `${what} for ${secs} s; reconnected at ${fmt.clock(Date.now(), false)} and resumed after seq ${info.resumedAfter}.`, 'reconnect');
    note.id = 'reconnect-notice';
    note.dataset.resumedAfter = info.resumedAfter;
    this.checkStore();
  }

  // A gateway restarted on a new, empty or older store would never send a
  // seq above ours again: start over from its newest page instead.
  async checkStore() {
    try {
      const page = await getJson('api/traces', { limit: 1 });
      const top = page?.traces?.[0]?.seq ?? 0;
      if (top >= this.stream.lastSeq) return;
      this.notice('info', `The gateway now serves a different store (newest seq ${top}, below the ${this.stream.lastSeq} seen before); reloaded.`, 'store');
      this.stream.close();
      this.stream.lastSeq = 0;
      this.live.reset();
      await this.start();
    } catch { /* the stream reports connection problems itself */ }
  }

  // The gateway said its store ends below what we have seen (event: reset):
  // clear the view, reload the newest page; the open stream goes on after top.
  async storeReset(top) {
    this.notice('info', `The gateway's store was rebuilt (newest seq ${top}); the view was cleared and reloaded.`, 'store');
    this.queue = [];
    this.live.reset();
    this.received = 0;
    try {
      const page = await getJson('api/traces', { limit: HISTORY });
      const list = (page?.traces ?? []).filter((e) => e.seq <= top);
      this.live.seed(list);
      this.received += list.length;
    } catch (e) {
      this.error(e);
    }
    this.seqEl.textContent = `seq ${this.stream.lastSeq || '–'}`;
  }

  error(e) {
    if (e instanceof AuthRequired) { this.askToken(); return; }
    if (e instanceof TypeError) return;  // unreachable: the badge already says so
    this.notice('error', e.message ?? String(e));
  }

  // One notice per key: a newer one replaces the older.
  notice(kind, text, key = kind) {
    const old = [...this.notices.children].find((n) => n.dataset.key === key);
    if (old) old.remove();
    const el = h(`div.notice.${kind}`, { dataset: { key } }, h('span', text), h('button.close', { title: 'dismiss', onclick: () => el.remove() }, '×'));
    this.notices.append(el);
    return el;
  }

  dismiss(key) {
    [...this.notices.children].find((n) => n.dataset.key === key)?.remove();
  }

  askToken() {
    if (document.getElementById('token-dialog')) return;
    const input = h('input#token-input', { type: 'password', placeholder: 'token', autocomplete: 'off', required: true });
    const dlg = h('dialog#token-dialog',
      h('form', { method: 'dialog', onsubmit: () => { setToken(input.value.trim()); dlg.remove(); this.stream.close(); this.start(); } },
        h('h2', 'Access token'),
        h('p.muted', 'This gateway runs with --token. Enter it once; it is kept in this browser (localStorage). You can also open the page as /?token=…'),
        input, h('div.actions', h('button.btn.primary', { type: 'submit' }, 'Connect'))));
    document.body.append(dlg);
    dlg.showModal();
  }

  debugHandle() {
    return {
      rowCap: ROW_CAP,
      state: () => this.stream.state,
      lastSeq: () => this.stream.lastSeq,
      duplicatesDropped: () => this.stream.duplicates,
      received: () => this.received,
      perf: () => this.meter.report(),
      resetPerf: () => this.meter.reset(),
    };
  }
}

new App().start();
