// Small dependency-free SVG charts: a cumulative step/line chart with up to
// two series on independent axes (tokens on the left, cost on the right).

import { svg, h } from './dom.js';
import * as fmt from './format.js';

const W = 640, H = 200, PAD = { l: 52, r: 56, t: 12, b: 26 };

// points: [{t, a, b}] sorted by t; a/b are cumulative values.
export function cumulativeChart(points, { aLabel, bLabel, aFmt, bFmt }) {
  if (points.length === 0) return h('p.muted.empty', 'No token usage recorded for this session.');
  const t0 = points[0].t, t1 = Math.max(points[points.length - 1].t, t0 + 1000);
  const aMax = Math.max(1, ...points.map((p) => p.a));
  const bMax = Math.max(1e-9, ...points.map((p) => p.b ?? 0));
  const hasB = points.some((p) => p.b > 0);
  const x = (t) => PAD.l + ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
  const ya = (v) => H - PAD.b - (v / aMax) * (H - PAD.t - PAD.b);
  const yb = (v) => H - PAD.b - (v / bMax) * (H - PAD.t - PAD.b);
  const path = (y, key) => points.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p[key] ?? 0).toFixed(1)}`).join('');
  const area = `${path(ya, 'a')}L${x(points[points.length - 1].t).toFixed(1)},${H - PAD.b}L${x(t0).toFixed(1)},${H - PAD.b}Z`;
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = H - PAD.b - f * (H - PAD.t - PAD.b);
    return [
      svg('line', { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, class: 'grid-line' }),
      svg('text', { x: PAD.l - 6, y: y + 4, class: 'axis a', 'text-anchor': 'end' }, aFmt(aMax * f)),
      hasB ? svg('text', { x: W - PAD.r + 6, y: y + 4, class: 'axis b' }, bFmt(bMax * f)) : null,
    ];
  });
  const ticks = [0, 0.5, 1].map((f) => svg('text', {
    x: PAD.l + f * (W - PAD.l - PAD.r), y: H - 6, class: 'axis',
    'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle',
  }, fmt.clock(t0 + f * (t1 - t0), false)));
  return h('figure.chart',
    svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${aLabel} over time` },
      grid, ticks,
      svg('path', { d: area, class: 'area-a' }),
      svg('path', { d: path(ya, 'a'), class: 'line-a' }),
      hasB ? svg('path', { d: path(yb, 'b'), class: 'line-b' }) : null),
    h('figcaption', h('span.key.a', aLabel), hasB ? h('span.key.b', bLabel) : null));
}

// A horizontal proportion bar (0..1).
export function ratioBar(f, cls = '') {
  const pct = Math.max(0, Math.min(1, f || 0)) * 100;
  return h(`span.ratio${cls ? '.' + cls : ''}`, h('span', { style: { width: `${pct.toFixed(1)}%` } }));
}
