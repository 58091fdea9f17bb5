// REST access to trace-gateway (DESIGN "HTTP API"). Paths are relative so the
// page also works behind a reverse proxy under a sub-path. When the gateway
// runs with --token, the token comes from the page URL (?token=) or a prompt,
// is kept in localStorage and sent as a Bearer header (EventSource cannot send
// headers, so the stream gets it as access_token instead; see stream.js).

const TOKEN_KEY = 'claude-trace.token';

export class AuthRequired extends Error {}

export class HttpError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

// Moves ?token= from the address bar into storage so it is not left in
// history or screenshots.
export function adoptUrlToken() {
  const url = new URL(location.href);
  const t = url.searchParams.get('token');
  if (t === null) return;
  setToken(t);
  url.searchParams.delete('token');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
}

export function token() {
  try { return localStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}

export function setToken(t) {
  try {
    if (t) localStorage.setItem(TOKEN_KEY, t); else localStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: the token lives for this page only */ }
  memoryToken = t;
}

let memoryToken = '';
const currentToken = () => token() || memoryToken;

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// GET a JSON document. Throws AuthRequired on 401, HttpError on other
// statuses (with the gateway's error message), TypeError when unreachable.
export async function getJson(path, params, { signal } = {}) {
  const headers = { Accept: 'application/json' };
  const t = currentToken();
  if (t) headers.Authorization = `Bearer ${t}`;
  const res = await fetch(path + query(params), { headers, signal, cache: 'no-store' });
  if (res.status === 401) throw new AuthRequired('token required');
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const msg = body?.error?.message || `${res.status} ${res.statusText}`;
    throw new HttpError(res.status, msg);
  }
  return body;
}

export function streamUrl(params) {
  const t = currentToken();
  return 'api/stream' + query({ ...params, access_token: t || undefined });
}
