// Helpers shared by the Node system tests: free loopback ports, bounded
// waits (no fixed sleeps to "wait for it"), and assertions that name what
// they checked.
import net from 'node:net';

export const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn (async or not; a throw counts as "not yet") until it is truthy.
export async function waitFor(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { if (await fn()) return; } catch { /* not yet */ }
    await sleep(50);
  }
  throw new Error('timed out waiting for ' + what);
}

export function eq(got, want, what) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  if (g !== w) throw new Error(`${what}: expected ${w}, got ${g}`);
}

export const pass = (what) => console.log('PASS: ' + what);
