// Alarms as objects with a state, computed from the engine's live state like contrail-alarm-gen:
// every tick the rules run on a fresh snapshot; a condition that holds (for its `forMs`) raises
// an alarm, one that no longer holds clears it; an operator acknowledges a raised alarm with the
// token it was listed with (Contrail's POST /analytics/alarms/acknowledge), so an acknowledgement
// of an earlier raise never silences a new one. Cleared alarms stay listed for a while as history.
import { WeftError } from "../model/errors";
import { type AlarmCondition, type AlarmInputs, type AlarmTable, evaluate } from "./rules";

export type AlarmState = "raised" | "acknowledged" | "cleared";

export interface Alarm {
  table: AlarmTable;
  name: string;
  type: string;
  severity: 0 | 1 | 2;
  description: string;
  href: string;
  state: AlarmState;
  /** ms since the epoch */
  raisedAt: number;
  clearedAt: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  /** what an acknowledgement must present: names this raise of the alarm */
  token: string;
}

export interface AlarmEngineOptions {
  /** how often the rules run (default 2 s) */
  intervalMs?: number;
  /** counters are compared with the snapshot this long ago (default 60 s) */
  windowMs?: number;
  /** cleared alarms stay listed this long (default 1 h) and at most `maxCleared` of them */
  keepClearedMs?: number;
  maxCleared?: number;
  now?: () => number;
}

const keyOf = (a: { table: string; name: string; type: string }) => `${a.table}\u0000${a.name}\u0000${a.type}`;

/** Contrail's token is an opaque base64 JSON naming the raise; ours names the alarm and its raise time. */
function tokenOf(c: { table: string; name: string; type: string }, raisedAt: number) {
  return Buffer.from(JSON.stringify({ timestamp: raisedAt * 1000, table: c.table, name: c.name, type: c.type })).toString("base64");
}

export class AlarmEngine {
  private readonly active = new Map<string, Alarm>();
  /** condition key → when it was first seen holding (not yet raised: waiting for forMs) */
  private readonly pending = new Map<string, number>();
  private cleared: Alarm[] = [];
  private samples: AlarmInputs[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(a: Alarm) => void>();
  readonly intervalMs: number;
  private readonly windowMs: number;
  private readonly keepClearedMs: number;
  private readonly maxCleared: number;
  private readonly now: () => number;
  /** the last error of a tick (a rule or the snapshot threw); the alarms stay as they were */
  lastError: string | null = null;

  constructor(
    private readonly source: () => AlarmInputs,
    opts: AlarmEngineOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 2_000;
    this.windowMs = opts.windowMs ?? 60_000;
    this.keepClearedMs = opts.keepClearedMs ?? 3_600_000;
    this.maxCleared = opts.maxCleared ?? 200;
    this.now = opts.now ?? Date.now;
  }

  start() {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Called with every alarm that was raised, cleared or acknowledged. */
  onChange(fn: (a: Alarm) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(a: Alarm) {
    for (const fn of this.listeners) fn({ ...a });
  }

  /** Runs the rules once on a fresh snapshot (the timer calls it; tests call it directly). */
  tick(inputs?: AlarmInputs): Alarm[] {
    let snapshot: AlarmInputs;
    let conditions: AlarmCondition[];
    try {
      snapshot = inputs ?? this.source();
      const horizon = snapshot.at - this.windowMs;
      while (this.samples.length > 1 && this.samples[1].at <= horizon) this.samples.shift();
      conditions = evaluate(snapshot, this.samples[0] ?? null);
      this.samples.push(snapshot);
      this.lastError = null;
    } catch (e) {
      this.lastError = (e as Error).message;
      return this.list();
    }
    const t = this.now();
    const holding = new Set<string>();
    for (const c of conditions) {
      const key = keyOf(c);
      holding.add(key);
      const existing = this.active.get(key);
      if (existing) {
        // the words follow the live state (counts, last error); the state and token stay
        existing.description = c.description;
        existing.severity = c.severity;
        existing.href = c.href;
        continue;
      }
      const since = this.pending.get(key) ?? t;
      if (t - since < c.forMs) {
        this.pending.set(key, since);
        continue;
      }
      this.pending.delete(key);
      const a: Alarm = { table: c.table, name: c.name, type: c.type, severity: c.severity, description: c.description, href: c.href, state: "raised", raisedAt: t, clearedAt: null, acknowledgedAt: null, acknowledgedBy: null, token: tokenOf(c, t) };
      this.active.set(key, a);
      this.emit(a);
    }
    for (const key of this.pending.keys()) if (!holding.has(key)) this.pending.delete(key);
    for (const [key, a] of this.active) {
      if (holding.has(key)) continue;
      this.active.delete(key);
      a.state = "cleared";
      a.clearedAt = t;
      this.cleared.unshift(a);
      this.emit(a);
    }
    this.cleared = this.cleared.filter((a) => t - (a.clearedAt ?? t) <= this.keepClearedMs).slice(0, this.maxCleared);
    return this.list();
  }

  /** Raised and acknowledged alarms (most severe, then newest first); with `cleared`, the recent history after them. */
  list(opts: { cleared?: boolean; acknowledged?: boolean } = {}): Alarm[] {
    const active = [...this.active.values()]
      .filter((a) => opts.acknowledged === undefined || (a.state === "acknowledged") === opts.acknowledged)
      .sort((a, b) => a.severity - b.severity || b.raisedAt - a.raisedAt);
    return [...active, ...(opts.cleared ? this.cleared : [])].map((a) => ({ ...a }));
  }

  /**
   * Acknowledges a raised alarm (Contrail's body: table, name, type, token). The token must be
   * the one listed for this raise: an alarm that cleared and was raised again needs a new look.
   */
  acknowledge(req: { table: string; name: string; type: string; token: string }, by: string): Alarm {
    const a = this.active.get(keyOf(req));
    if (!a) throw new WeftError("not_found", `no raised ${req.type} alarm for ${req.table} ${req.name} (it may have cleared: list /analytics/alarms again)`);
    if (a.token !== req.token) throw new WeftError("bad_request", `token: it names an earlier raise of this alarm; list /analytics/alarms again and acknowledge with the current token`, [{ field: "token", message: "does not match the alarm's current raise" }]);
    if (a.state !== "acknowledged") {
      a.state = "acknowledged";
      a.acknowledgedAt = this.now();
      a.acknowledgedBy = by;
      this.emit(a);
    }
    return { ...a };
  }

  /** Contrail's GET /analytics/alarms body: { <table>: [ { name, value: { UVEAlarms: { alarms: [...] } } } ] }. */
  contrailView(opts: { acknowledged?: boolean; cleared?: boolean } = {}) {
    const out: Record<string, { name: string; value: { UVEAlarms: { alarms: Record<string, unknown>[] } } }[]> = {};
    for (const a of this.list(opts)) {
      const rows = (out[a.table] ??= []);
      let row = rows.find((r) => r.name === a.name);
      if (!row) rows.push((row = { name: a.name, value: { UVEAlarms: { alarms: [] } } }));
      row.value.UVEAlarms.alarms.push({
        type: a.type,
        severity: a.severity,
        ack: a.state === "acknowledged",
        // Contrail's timestamps are microseconds since the epoch
        timestamp: a.raisedAt * 1000,
        token: a.token,
        description: a.description,
        weft_state: a.state,
        ...(a.clearedAt ? { weft_cleared_at: a.clearedAt * 1000 } : {}),
        ...(a.acknowledgedBy ? { weft_acknowledged_by: a.acknowledgedBy } : {}),
      });
    }
    return out;
  }
}
