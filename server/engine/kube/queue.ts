// The kube manager's work queue (client-go's shape): keys, not events. A key queued while it is
// being reconciled runs once more afterwards; a key is never reconciled twice at the same time;
// failures are retried with backoff. `idle()` resolves when nothing is queued, running or waiting.

export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly order: string[] = [];
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly retries = new Map<string, { n: number; timer: NodeJS.Timeout }>();
  private idleWaiters: (() => void)[] = [];
  private keyWaiters = new Map<string, (() => void)[]>();
  private stopped = false;

  constructor(
    private readonly work: (key: string) => Promise<void>,
    private readonly opts: { concurrency: number; maxRetries: number; retryMs: (n: number) => number; onError: (key: string, e: unknown, willRetry: boolean) => void },
  ) {}

  add(key: string) {
    if (this.stopped) return;
    const r = this.retries.get(key);
    if (r) {
      clearTimeout(r.timer);
      this.retries.delete(key);
    }
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.pump();
  }

  private readonly delayed = new Map<string, NodeJS.Timeout>();

  /** Adds the key after `ms` (coalescing: many changes of a service's pods → one reconcile). */
  addAfter(key: string, ms: number) {
    if (this.stopped || this.delayed.has(key) || this.queued.has(key)) return;
    const t = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    t.unref?.();
    this.delayed.set(key, t);
  }

  get depth() {
    return this.queued.size + this.running.size + this.retries.size + this.delayed.size;
  }

  /** Resolves once `key` is neither queued nor running. */
  settled(key: string): Promise<void> {
    if (!this.queued.has(key) && !this.running.has(key) && !this.dirty.has(key) && !this.delayed.has(key)) return Promise.resolve();
    return new Promise((resolve) => {
      const l = this.keyWaiters.get(key) ?? [];
      l.push(resolve);
      this.keyWaiters.set(key, l);
    });
  }

  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop() {
    this.stopped = true;
    for (const r of this.retries.values()) clearTimeout(r.timer);
    for (const t of this.delayed.values()) clearTimeout(t);
    this.delayed.clear();
    this.retries.clear();
    this.queued.clear();
    this.order.length = 0;
  }

  private pump() {
    while (this.running.size < this.opts.concurrency && this.order.length) {
      const key = this.order.shift()!;
      if (!this.queued.delete(key)) continue;
      this.running.add(key);
      void this.run(key);
    }
    if (this.depth === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  private async run(key: string) {
    let failed: unknown = null;
    try {
      await this.work(key);
    } catch (e) {
      failed = e;
    }
    this.running.delete(key);
    if (failed !== null && !this.dirty.has(key)) {
      const n = (this.retries.get(key)?.n ?? 0) + 1;
      const again = n <= this.opts.maxRetries && !this.stopped;
      this.opts.onError(key, failed, again);
      if (again) {
        const timer = setTimeout(() => {
          this.retries.delete(key);
          if (!this.queued.has(key) && !this.running.has(key)) {
            this.queued.add(key);
            this.order.push(key);
          }
          this.pump();
        }, this.opts.retryMs(n));
        timer.unref?.();
        this.retries.set(key, { n, timer });
      }
    } else if (failed === null) {
      const r = this.retries.get(key);
      if (r) {
        clearTimeout(r.timer);
        this.retries.delete(key);
      }
    }
    if (this.dirty.delete(key)) {
      this.queued.add(key);
      this.order.push(key);
    }
    if (!this.queued.has(key)) {
      const w = this.keyWaiters.get(key);
      if (w) {
        this.keyWaiters.delete(key);
        for (const f of w) f();
      }
    }
    this.pump();
  }
}
