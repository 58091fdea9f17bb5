// Formatting, and field access into the original records an event carries
// (its "data", whose shape Claude Code changes between versions). A missing
// value renders as an en dash rather than "undefined" or NaN. Aggregates are
// read by their proto/ names in aggregates.js, not through pick's fallbacks.

export const DASH = '–';

// First defined, non-null value among dotted paths of obj.
export function pick(obj, ...paths) {
  for (const p of paths) {
    let v = obj;
    for (const k of p.split('.')) {
      if (v == null || typeof v !== 'object') { v = undefined; break; }
      v = v[k];
    }
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

export function num(v) {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// Timestamps: ms epoch, or an RFC 3339 string.
export function toMs(ts) {
  if (typeof ts === 'number') return ts;
  if (typeof ts === 'string') { const t = Date.parse(ts); return Number.isNaN(t) ? undefined : t; }
  return undefined;
}

export function clock(ts, withMs = true) {
  const ms = toMs(ts);
  if (ms === undefined) return DASH;
  const d = new Date(ms);
  const s = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMs ? `${s}.${pad(d.getMilliseconds(), 3)}` : s;
}

export function dateTime(ts) {
  const ms = toMs(ts);
  if (ms === undefined) return DASH;
  const d = new Date(ms);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return sameDay ? `today ${clock(ms, false)}` : `${day} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function ago(ts, now = Date.now()) {
  const ms = toMs(ts);
  if (ms === undefined) return DASH;
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function duration(ms) {
  ms = num(ms);
  if (ms === undefined) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60000);
  if (m < 60) return `${m}m ${pad(Math.floor((ms % 60000) / 1000))}s`;
  return `${Math.floor(m / 60)}h ${pad(m % 60)}m`;
}

export function count(v) {
  v = num(v);
  return v === undefined ? DASH : v.toLocaleString('en-US');
}

export function tokens(v) {
  v = num(v);
  if (v === undefined) return DASH;
  if (v < 1000) return String(v);
  if (v < 1e6) return `${(v / 1e3).toFixed(v < 1e4 ? 1 : 0)}k`;
  return `${(v / 1e6).toFixed(v < 1e7 ? 2 : 1)}M`;
}

export function cost(v) {
  v = num(v);
  if (v === undefined) return DASH;
  if (v === 0) return '$0';
  if (v < 0.01) return `$${v.toFixed(4)}`;
  return `$${v.toFixed(2)}`;
}

export function percent(v) {
  v = num(v);
  return v === undefined ? DASH : `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`;
}

export function shortId(id, n = 8) {
  if (typeof id !== 'string' || id === '') return DASH;
  return id.length > n + 1 ? id.slice(0, n) : id;
}

// The last path components of a directory: "/home/u/src/app" -> "src/app".
export function shortPath(p, parts = 2) {
  if (typeof p !== 'string' || p === '') return DASH;
  const segs = p.split('/').filter(Boolean);
  return segs.length <= parts ? p : '…/' + segs.slice(-parts).join('/');
}

export function oneLine(s, max = 160) {
  if (s == null) return '';
  if (typeof s !== 'string') s = JSON.stringify(s);
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
