// String ↔ small integer ids for the embedded flow store. A flow record carries ~20 names (VN,
// project, port, workload, node, rule, VRF…) drawn from a few thousand distinct strings; writing
// them as text per record is what made DuckDB ingest slow. The store writes the ids, keeps the
// dictionary in memory (loaded at open, grown at insert and persisted before the rows that use
// it) and turns ids back into names when it answers.

export class StringDictionary {
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = [];
  private lower: string[] = [];
  /** entries added since the last `takePending()` (to persist) */
  private pending: [number, string][] = [];

  /**
   * @param maxId ids above this are refused (UTINYINT columns): `idOf` answers `overflow` instead
   * @param overflow the id given to strings past `maxId`
   */
  constructor(
    readonly code: number,
    readonly maxId = 0xffff_fffe,
    private readonly overflow = 0,
  ) {
    this.load(0, "");
  }

  get size() {
    return this.strings.length;
  }

  /** An entry read back from the store. */
  load(id: number, s: string) {
    this.ids.set(s, id);
    this.strings[id] = s;
    if (this.lower.length > id) this.lower[id] = s.toLowerCase();
  }

  /** The id of a string, allocating one (and remembering it as pending) when it is new. */
  idOf(s: string): number {
    const id = this.ids.get(s);
    if (id !== undefined) return id;
    const next = this.strings.length;
    if (next > this.maxId) return this.overflow;
    this.ids.set(s, next);
    this.strings.push(s);
    this.pending.push([next, s]);
    return next;
  }

  /** The id of a known string; undefined when the store never saw it (a filter on it matches nothing). */
  find(s: string): number | undefined {
    return this.ids.get(s);
  }

  name(id: number): string {
    return this.strings[id] ?? "";
  }

  /** Ids of the strings containing `part` (case-insensitive): the `~` operator. */
  containing(part: string): number[] {
    for (let i = this.lower.length; i < this.strings.length; i++) this.lower.push((this.strings[i] ?? "").toLowerCase());
    const p = part.toLowerCase();
    const out: number[] = [];
    for (let i = 0; i < this.lower.length; i++) if (this.strings[i] !== undefined && this.lower[i].includes(p)) out.push(i);
    return out;
  }

  /** Ids of the strings a predicate accepts (label sets holding a label). */
  matching(pred: (s: string) => boolean): number[] {
    const out: number[] = [];
    for (let i = 1; i < this.strings.length; i++) if (this.strings[i] !== undefined && pred(this.strings[i])) out.push(i);
    return out;
  }

  /**
   * Forgets the entries no stored row uses any more (retention deleted them): ids below `upTo`
   * that are not in `used`. Ids are never reused (a string seen again gets a new one), so rows
   * written meanwhile stay right. Returns the ids dropped.
   */
  forget(used: Set<number>, upTo: number): number[] {
    const dropped: number[] = [];
    for (let i = 1; i < Math.min(upTo, this.strings.length); i++) {
      const str = this.strings[i];
      if (str === undefined || used.has(i)) continue;
      if (this.ids.get(str) === i) this.ids.delete(str);
      delete this.strings[i];
      if (this.lower.length > i) this.lower[i] = "";
      dropped.push(i);
    }
    const gone = new Set(dropped);
    this.pending = this.pending.filter(([id]) => !gone.has(id));
    return dropped;
  }

  takePending(): [number, string][] {
    const p = this.pending;
    this.pending = [];
    return p;
  }

  /** Gives entries back after a failed persist (they are written with the next batch). */
  restorePending(p: [number, string][]) {
    this.pending = [...p, ...this.pending];
  }
}

/** IPv4 as a 32-bit number, or -1 for anything else. */
export function ipv4Code(s: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

export function ipv4Text(n: number): string {
  return `${Math.floor(n / 16777216)}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
}
