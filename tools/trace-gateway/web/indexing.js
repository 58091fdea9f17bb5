// The indexing banner: while trace-index works through a backlog (a first run
// over a big Claude home) it shows /health's indexing_banner ("indexing: 62% ·
// 340 MB left · about 9 s", proto/progress.md) over a bar of the share done,
// and disappears when the index has caught up. /health needs no token.

import { h } from './dom.js';

const POLL_MS = 2000;

export class IndexingBanner {
  constructor() {
    this.text = h('span.indexing-text');
    this.root = h('div.indexing#indexing-banner', { role: 'status', hidden: true }, this.text);
  }

  start() {
    this.poll();
    setInterval(() => this.poll(), POLL_MS);
  }

  async poll() {
    try {
      // 503 (store not open yet) still carries the indexing member.
      const res = await fetch('health', { cache: 'no-store', headers: { Accept: 'application/json' } });
      const body = await res.json();
      const i = body?.indexing;
      this.show(i && !i.caught_up ? body.indexing_banner : '', i?.percent ?? 0);
    } catch {
      this.show('', 0);  // unreachable: the connection badge says so
    }
  }

  show(text, percent) {
    this.root.hidden = !text;
    this.text.textContent = text || '';
    this.root.style.setProperty('--done', `${Math.max(0, Math.min(100, Number(percent) || 0))}%`);
  }
}
