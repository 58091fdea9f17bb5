// The live feed: one EventSource on /api/stream, reconnected by hand so the
// page controls the backoff, resumes with last_event_id = the highest seq it
// has seen (no gap), drops anything at or below it (no duplicate), and can
// tell the user what happened (live / reconnecting / offline, restarts).

import { getJson, streamUrl, AuthRequired } from './api.js';

const BACKOFF_MS = [250, 500, 1000, 2000, 3000, 5000];
const OFFLINE_AFTER_FAILURES = 4;
const SILENCE_MS = 75000;  // the gateway sends a heartbeat every 30 s by default

export class TraceStream {
  // onEvent(event) per new event in seq order; onState(state, info) with
  // state one of connecting, live, reconnecting, offline, auth; onReset(lastSeq)
  // when the gateway says its store is behind what we have seen (rebuilt store,
  // `event: reset`, proto/sse.md): the stream goes on after lastSeq.
  constructor({ onEvent, onState, onReset }) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.onReset = onReset;
    this.lastSeq = 0;
    this.duplicates = 0;
    this.failures = 0;
    this.source = null;
    this.timer = null;
    this.lostAt = null;
    this.seqAtLoss = 0;
    this.lastMessageAt = Date.now();
    setInterval(() => this.checkSilence(), 5000);
  }

  // Start (or restart) streaming after the given seq.
  start(afterSeq) {
    this.lastSeq = Math.max(this.lastSeq, afterSeq || 0);
    this.connect();
  }

  accept(seq) {
    if (!(seq > this.lastSeq)) { this.duplicates++; return false; }
    this.lastSeq = seq;
    return true;
  }

  connect() {
    this.close();
    this.setState(this.lostAt ? 'reconnecting' : 'connecting');
    const es = new EventSource(streamUrl({ last_event_id: this.lastSeq }));
    this.source = es;
    es.onopen = () => this.opened();
    es.addEventListener('trace', (m) => this.message(m));
    es.addEventListener('heartbeat', () => { this.lastMessageAt = Date.now(); });
    es.addEventListener('reset', (m) => this.reset(m));
    es.onerror = () => { if (this.source === es) this.failed(); };
  }

  opened() {
    this.lastMessageAt = Date.now();
    const info = this.lostAt
      ? { lostAt: this.lostAt, resumedAfter: this.seqAtLoss, unreachable: this.unreachable } : null;
    this.failures = 0;
    this.unreachable = false;
    this.lostAt = null;
    this.setState('live', info);
  }

  message(m) {
    this.lastMessageAt = Date.now();
    let ev;
    try { ev = JSON.parse(m.data); } catch { return; }
    const seq = Number(m.lastEventId || ev.seq);
    if (ev.seq === undefined && Number.isFinite(seq)) ev.seq = seq;
    if (this.accept(seq)) this.onEvent(ev);
  }

  reset(m) {
    this.lastMessageAt = Date.now();
    let info;
    try { info = JSON.parse(m.data); } catch { return; }
    const top = Number(info.last_seq);
    if (!Number.isFinite(top)) return;
    this.lastSeq = top;
    if (this.onReset) this.onReset(top);
  }

  failed() {
    this.close();
    if (!this.lostAt) { this.lostAt = Date.now(); this.seqAtLoss = this.lastSeq; }
    this.failures++;
    this.probe();
  }

  // Tell "gateway down" from "token wrong": EventSource hides the status.
  async probe() {
    try {
      await getJson('api/traces', { limit: 1 });
    } catch (e) {
      if (e instanceof AuthRequired) { this.setState('auth'); return; }
      if (e instanceof TypeError) this.unreachable = true;
    }
    const state = this.failures >= OFFLINE_AFTER_FAILURES ? 'offline' : 'reconnecting';
    this.setState(state, { lostAt: this.lostAt, failures: this.failures });
    const delay = BACKOFF_MS[Math.min(this.failures - 1, BACKOFF_MS.length - 1)];
    this.timer = setTimeout(() => this.connect(), delay);
  }

  checkSilence() {
    if (this.source && this.state === 'live' && Date.now() - this.lastMessageAt > SILENCE_MS) {
      this.failed();
    }
  }

  reconnectNow() {
    this.failures = 0;
    this.connect();
  }

  close() {
    clearTimeout(this.timer);
    if (this.source) { this.source.close(); this.source = null; }
  }

  setState(state, info) {
    this.state = state;
    this.onState(state, info || {});
  }
}
