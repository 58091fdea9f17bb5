// In-page frame measurement, read by the browser test and from the console
// (__traceUi.perf()): frame intervals from requestAnimationFrame and the time
// the UI spends handling each batch of events.

const KEEP = 2000;

export class FrameMeter {
  constructor() {
    this.frames = [];
    this.works = [];
    this.events = 0;
    this.last = performance.now();
    const tick = (t) => {
      this.push(this.frames, t - this.last);
      this.last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  push(list, v) {
    list.push(v);
    if (list.length > KEEP) list.splice(0, list.length - KEEP);
  }

  work(ms, n) {
    this.push(this.works, ms);
    this.events += n;
  }

  reset() { this.frames = []; this.works = []; this.events = 0; }

  report() {
    const q = (list, p) => {
      const s = list.slice().sort((a, b) => a - b);
      return s.length ? +s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)].toFixed(2) : null;
    };
    return {
      frames: this.frames.length, frame_p50_ms: q(this.frames, 0.5), frame_p95_ms: q(this.frames, 0.95),
      frame_max_ms: q(this.frames, 1), batches: this.works.length, events: this.events,
      work_p50_ms: q(this.works, 0.5), work_p95_ms: q(this.works, 0.95), work_max_ms: q(this.works, 1),
    };
  }
}
