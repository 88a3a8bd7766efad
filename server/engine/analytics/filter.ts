// The flow filter language: a small, documented expression language compiled to SQL for both
// stores. Errors carry the 0-based position (and length) of the offending text so the console can
// underline it.
//
//   filter  := or
//   or      := and ( OR and )*
//   and     := not ( AND not )*
//   not     := NOT not | "(" or ")" | compare
//   compare := field op value | field [NOT] IN "(" value ( "," value )* ")"
//   op      := =  !=  <  <=  >  >=  <<  ~  !~  ^=
//   value   := "quoted string" | 'quoted string' | bare word (letters, digits, . : / - _ *)
//
// `<<` is "inside the subnet" (IPv4: src_ip << 10.0.0.0/8), `~` "contains" (case-insensitive),
// `^=` "starts with" (case-sensitive: src_vn ^= default-domain:k8s-; Contrail's PREFIX match).
// Label fields (src_labels, dst_labels) hold a pod's Kubernetes labels: `src_labels = app=web`
// matches records whose source has that label (among others), `src_labels = app` any value of the
// key, `src_labels = ""` none at all; IN is any of them, != / NOT IN none of them.
// Keywords (AND, OR, NOT, IN, true, false) are case-insensitive; protocol takes names (tcp, udp,
// icmp) or numbers; fields with a closed set of values (action, direction, …) reject others.
// Contrail's query model — where as an OR of ANDs — maps to `(a AND b) OR (c AND d)`.
import { WeftError } from "../model/errors";
import { FIELDS, FIELD_NAMES, type Field, type FieldDef, LABEL_TERM, PROTOCOL_NAMES, isField, labelNeedle } from "./schema";

/** A bad filter: a bad_request whose details carry the 0-based position and length (tRPC and REST pass them on). */
export class FilterError extends WeftError {
  constructor(
    readonly reason: string,
    readonly position: number,
    readonly length = 1,
  ) {
    // keeps name "WeftError": that is how tRPC and REST recognise an engine error (and pass `details` on)
    super("bad_request", `position ${position + 1}: ${reason}`, [{ field: "filter", message: `position ${position + 1}: ${reason}` }], { position, length, reason });
  }
}

export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "<<" | "~" | "!~" | "^=" | "in" | "not in";
export type Value = string | number | boolean | { cidr: [number, number] };

export type FilterNode =
  | { kind: "and" | "or"; items: FilterNode[] }
  | { kind: "not"; item: FilterNode }
  | { kind: "cmp"; field: Field; op: CompareOp; values: Value[]; pos: number };

interface Token {
  t: "word" | "string" | "op" | "(" | ")" | "," | "end";
  v: string;
  pos: number;
  len: number;
}

/** Deepest nesting of parentheses and NOT in a filter. */
export const MAX_FILTER_DEPTH = 64;

const OPS = ["<<", "<=", ">=", "!=", "<>", "==", "!~", "^=", "=", "<", ">", "~"];
const WORD = /[A-Za-z0-9_.:/\-*]/;

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === ",") {
      out.push({ t: c, v: c, pos: i, len: 1 });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i;
      let s = "";
      i++;
      for (;;) {
        if (i >= src.length) throw new FilterError(`unterminated string (opened with ${c})`, start, src.length - start);
        const d = src[i];
        if (d === "\\" && i + 1 < src.length) {
          s += src[i + 1];
          i += 2;
          continue;
        }
        if (d === c) {
          i++;
          break;
        }
        s += d;
        i++;
      }
      out.push({ t: "string", v: s, pos: start, len: i - start });
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) {
      out.push({ t: "op", v: op === "==" ? "=" : op === "<>" ? "!=" : op, pos: i, len: op.length });
      i += op.length;
      continue;
    }
    if (c === "&" && src[i + 1] === "&") {
      out.push({ t: "word", v: "AND", pos: i, len: 2 });
      i += 2;
      continue;
    }
    if (c === "|" && src[i + 1] === "|") {
      out.push({ t: "word", v: "OR", pos: i, len: 2 });
      i += 2;
      continue;
    }
    if (c === "!" && src[i + 1] !== "=" && src[i + 1] !== "~") {
      out.push({ t: "word", v: "NOT", pos: i, len: 1 });
      i++;
      continue;
    }
    if (WORD.test(c)) {
      const start = i;
      while (i < src.length && WORD.test(src[i])) i++;
      out.push({ t: "word", v: src.slice(start, i), pos: start, len: i - start });
      continue;
    }
    throw new FilterError(`unexpected character "${c}"`, i);
  }
  out.push({ t: "end", v: "", pos: src.length, len: 0 });
  return out;
}

const kw = (tok: Token, k: string) => tok.t === "word" && tok.v.toUpperCase() === k;
const describe = (tok: Token) => (tok.t === "end" ? "end of input" : `"${tok.v}"`);

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

export function closestField(name: string): Field | null {
  let best: Field | null = null;
  let bd = Infinity;
  for (const f of FIELD_NAMES) {
    const dd = distance(name.toLowerCase(), f);
    if (dd < bd) {
      bd = dd;
      best = f;
    }
  }
  return bd <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** Parses a filter; "" (or only spaces) is null = everything. Throws FilterError. */
export function parseFilter(src: string): FilterNode | null {
  const toks = tokenize(src);
  if (toks.length === 1) return null;
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];

  function parseOr(): FilterNode {
    const items = [parseAnd()];
    while (kw(peek(), "OR")) {
      next();
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0] : { kind: "or", items };
  }
  function parseAnd(): FilterNode {
    const items = [parseNot()];
    for (;;) {
      if (kw(peek(), "AND")) {
        next();
        items.push(parseNot());
        continue;
      }
      const p = peek();
      // Two comparisons side by side: almost always a forgotten AND.
      if (p.t === "word" && !kw(p, "OR")) throw new FilterError(`expected AND, OR or ")" before ${describe(p)}`, p.pos, p.len);
      break;
    }
    return items.length === 1 ? items[0] : { kind: "and", items };
  }
  // nesting is bounded: a filter is compiled to SQL by recursion, and the databases' parsers recurse too
  let depth = 0;
  function parseNot(): FilterNode {
    const p = peek();
    if (++depth > MAX_FILTER_DEPTH) throw new FilterError(`nested deeper than ${MAX_FILTER_DEPTH} levels (parentheses and NOT)`, p.pos, Math.max(1, p.len));
    try {
      return parseNotInner(p);
    } finally {
      depth--;
    }
  }
  function parseNotInner(p: Token): FilterNode {
    if (kw(p, "NOT")) {
      next();
      return { kind: "not", item: parseNot() };
    }
    if (p.t === "(") {
      next();
      const e = parseOr();
      const c = next();
      if (c.t !== ")") throw new FilterError(`expected ")" to close the "(" at position ${p.pos + 1}, found ${describe(c)}`, c.pos, Math.max(1, c.len));
      return e;
    }
    return parseCompare();
  }
  /** A value; for a label field a bare `key=value` (three tokens side by side) is one value. */
  function nextValue(def: FieldDef): Token {
    const v = next();
    if (def.type !== "labels" || v.t !== "word") return v;
    let end = v.pos + v.len;
    let text = v.v;
    const eq = peek();
    if (eq.t === "op" && eq.v === "=" && eq.len === 1 && eq.pos === end) {
      next();
      text += "=";
      end += 1;
      const val = peek();
      if (val.t === "word" && val.pos === end) {
        next();
        text += val.v;
        end += val.len;
      }
    }
    return { t: "word", v: text, pos: v.pos, len: end - v.pos };
  }

  function parseCompare(): FilterNode {
    const f = next();
    if (f.t !== "word" || ["AND", "OR", "IN"].includes(f.v.toUpperCase())) throw new FilterError(`expected a field name, found ${describe(f)}`, f.pos, Math.max(1, f.len));
    if (!isField(f.v)) {
      const hint = closestField(f.v);
      throw new FilterError(`unknown field "${f.v}"${hint ? ` (did you mean ${hint}?)` : ""}`, f.pos, f.len);
    }
    const field = f.v as Field;
    const def = FIELDS[field] as FieldDef;
    let o = next();
    let op: CompareOp;
    if (kw(o, "NOT") && kw(peek(), "IN")) {
      next();
      op = "not in";
    } else if (kw(o, "IN")) op = "in";
    else if (o.t === "op") op = o.v as CompareOp;
    else throw new FilterError(`expected an operator (=, !=, <, <=, >, >=, <<, ~, ^=, IN) after ${field}, found ${describe(o)}`, o.pos, Math.max(1, o.len));
    const opPos = o.pos;
    if (op === "in" || op === "not in") {
      const open = next();
      if (open.t !== "(") throw new FilterError(`expected "(" after IN, found ${describe(open)}`, open.pos, Math.max(1, open.len));
      const values: Value[] = [];
      for (;;) {
        values.push(value(field, def, "=", nextValue(def)));
        o = next();
        if (o.t === ")") break;
        if (o.t !== ",") throw new FilterError(`expected "," or ")" in the IN list, found ${describe(o)}`, o.pos, Math.max(1, o.len));
      }
      return { kind: "cmp", field, op, values, pos: f.pos };
    }
    checkOp(field, def, op, opPos);
    return { kind: "cmp", field, op, values: [value(field, def, op, nextValue(def))], pos: f.pos };
  }

  const e = parseOr();
  const rest = peek();
  if (rest.t !== "end") throw new FilterError(rest.t === ")" ? `unmatched ")"` : `unexpected ${describe(rest)}`, rest.pos, Math.max(1, rest.len));
  return e;
}

function checkOp(field: Field, def: FieldDef, op: CompareOp, pos: number) {
  const len = op.length;
  if (op === "<<" && def.type !== "ip") throw new FilterError(`<< (in subnet) works on addresses (src_ip, dst_ip), not on ${field}`, pos, len);
  if ((op === "<" || op === "<=" || op === ">" || op === ">=") && def.type !== "number" && def.type !== "time")
    throw new FilterError(`${op} compares numbers; ${field} is ${def.type === "ip" ? "an address (use << for a subnet)" : "text"}`, pos, len);
  if ((op === "~" || op === "!~") && (def.type === "number" || def.type === "time" || def.type === "bool")) throw new FilterError(`~ (contains) works on text, ${field} is a number`, pos, len);
  if (op === "^=" && def.type !== "string" && def.type !== "labels")
    throw new FilterError(`^= (starts with) works on text; ${field} is ${def.type === "ip" ? "an address (use << for a subnet)" : def.type === "bool" ? "true or false" : "a number"}`, pos, len);
}

function value(field: Field, def: FieldDef, op: CompareOp, tok: Token): Value {
  if (tok.t !== "word" && tok.t !== "string") throw new FilterError(`expected a value for ${field}, found ${describe(tok)}`, tok.pos, Math.max(1, tok.len));
  const raw = tok.v;
  const bad = (why: string): never => {
    throw new FilterError(why, tok.pos, Math.max(1, tok.len));
  };
  if (op === "<<") {
    const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(raw);
    if (!m) return bad(`"${raw}" is not an IPv4 prefix like 10.0.0.0/8`);
    const parts = m[1].split(".").map(Number);
    const len = Number(m[2]);
    if (parts.some((x) => x > 255)) return bad(`"${m[1]}" is not an IPv4 address`);
    if (len > 32) return bad(`/${len}: prefix length must be 0–32`);
    const base = parts.reduce((a, x) => a * 256 + x, 0);
    const size = 2 ** (32 - len);
    const lo = base - (base % size);
    return { cidr: [lo, lo + size - 1] };
  }
  switch (def.type) {
    case "number":
    case "time": {
      if (field === "protocol" && Object.hasOwn(PROTOCOL_NAMES, raw.toLowerCase())) return PROTOCOL_NAMES[raw.toLowerCase()];
      if (!/^\d+$/.test(raw)) return bad(`${field} takes a number${field === "protocol" ? " or tcp, udp, icmp" : ""}, not "${raw}"`);
      return Number(raw);
    }
    case "labels":
      // "" = no labels at all (endpoints that are not pods, or pods without labels)
      if (op !== "~" && op !== "!~" && op !== "^=" && raw !== "" && !LABEL_TERM.test(raw)) return bad(`${field} takes one label as key=value, or a key alone (letters, digits, - _ . /), not "${raw}"`);
      return raw;
    case "bool": {
      const l = raw.toLowerCase();
      if (l === "true" || l === "1" || l === "yes") return true;
      if (l === "false" || l === "0" || l === "no") return false;
      return bad(`${field} is true or false, not "${raw}"`);
    }
    default:
      if (def.values && op !== "~" && op !== "!~" && op !== "^=" && !def.values.includes(raw)) {
        return bad(`${field} is one of ${def.values.filter(Boolean).join(", ")}; "${raw}" is not`);
      }
      return raw;
  }
}

/** Every field a filter reads (to know whether a rollup table can answer it). */
export function filterFields(n: FilterNode | null, out = new Set<Field>()): Set<Field> {
  if (!n) return out;
  if (n.kind === "cmp") out.add(n.field);
  else if (n.kind === "not") filterFields(n.item, out);
  else for (const x of n.items) filterFields(x, out);
  return out;
}

/** Whether every comparison could be evaluated on a rollup (no `<<` on addresses, only rollup fields). */
export function rollupCompatible(n: FilterNode | null): boolean {
  for (const f of filterFields(n)) if (!(FIELDS[f] as FieldDef).rollup) return false;
  return true;
}

export interface SqlDialect {
  str(s: string): string;
  bool(b: boolean): string;
  /** case-insensitive "contains" */
  contains(col: string, s: string): string;
  ident(name: string): string;
  /** case-sensitive: the text of `col` holds `s` */
  includes(col: string, s: string): string;
  /** case-sensitive: the text of `col` starts with `s` */
  startsWith(col: string, s: string): string;
  /** `col` with "," before and after (label terms are found by their delimited text) */
  delimited(col: string): string;
  /**
   * A comparison on a field whose stored form is not its text (the embedded store keeps names as
   * dictionary ids and addresses as integers); null = the plain SQL below.
   */
  compare?(field: Field, op: CompareOp, values: Value[]): string | null;
}

/** Compiles a parsed filter to a SQL boolean expression ("TRUE" for no filter). */
export function filterSql(n: FilterNode | null, d: SqlDialect): string {
  if (!n) return "1 = 1";
  switch (n.kind) {
    case "and":
    case "or":
      return `(${n.items.map((x) => filterSql(x, d)).join(n.kind === "and" ? " AND " : " OR ")})`;
    case "not":
      return `(NOT ${filterSql(n.item, d)})`;
    case "cmp": {
      const custom = d.compare?.(n.field, n.op, n.values);
      if (custom) return custom;
      const col = d.ident(n.field);
      if ((FIELDS[n.field] as FieldDef).type === "labels" && n.op !== "~" && n.op !== "!~" && n.op !== "^=") {
        const any = n.values.map((v) => (v === "" ? `${col} = ${d.str("")}` : d.includes(d.delimited(col), labelNeedle(String(v)))));
        const e = any.length === 1 ? any[0] : `(${any.join(" OR ")})`;
        return n.op === "=" || n.op === "in" ? e : `(NOT ${e})`;
      }
      const lit = (v: Value) => (typeof v === "number" ? String(v) : typeof v === "boolean" ? d.bool(v) : typeof v === "string" ? d.str(v) : "NULL");
      switch (n.op) {
        case "in":
        case "not in":
          // an empty list (a caller who may see no project) matches nothing; SQL has no IN ()
          if (n.values.length === 0) return n.op === "in" ? "1 = 0" : "1 = 1";
          return `${col} ${n.op === "in" ? "IN" : "NOT IN"} (${n.values.map(lit).join(", ")})`;
        case "<<": {
          const [lo, hi] = (n.values[0] as { cidr: [number, number] }).cidr;
          return `(${d.ident(`${n.field}4`)} BETWEEN ${lo} AND ${hi} AND ${d.ident(`${n.field}4`)} > 0)`;
        }
        case "~":
          return d.contains(col, String(n.values[0]));
        case "^=":
          return d.startsWith(col, String(n.values[0]));
        case "!~":
          return `(NOT ${d.contains(col, String(n.values[0]))})`;
        default:
          return `${col} ${n.op} ${lit(n.values[0])}`;
      }
    }
  }
}

export interface Completion {
  kind: "field" | "operator" | "value" | "keyword";
  /** the field whose values are asked for (kind "value") */
  field?: Field;
  /** text typed so far at the caret, and where it starts */
  prefix: string;
  from: number;
  /** fixed suggestions (fields, operators, closed value sets) */
  items: string[];
}

/** What to suggest at the caret: fields, operators, values (closed sets here; the store knows the rest). */
export function completeAt(src: string, caret: number): Completion {
  const before = src.slice(0, caret);
  // a label value runs over "=" (key=value), which the generic rules below would read as an operator
  const lab = /\b((?:src|dst)_labels)\s*(?:!?=|!?~|(?:NOT\s+)?IN\s*\((?:[^()]*,)?)\s*["']?([A-Za-z0-9_.\/\-=]*)$/i.exec(before);
  if (lab) return { kind: "value", field: lab[1].toLowerCase() as Field, prefix: lab[2], from: caret - lab[2].length, items: [] };
  const m = /[A-Za-z0-9_.:/\-*"']*$/.exec(before)!;
  const prefix = m[0].replace(/^["']/, "");
  const from = caret - m[0].length;
  let toks: Token[];
  try {
    toks = tokenize(before.slice(0, from));
  } catch {
    return { kind: "value", prefix, from, items: [] };
  }
  toks.pop(); // end
  const last = toks[toks.length - 1];
  const prev = toks[toks.length - 2];
  const fieldsList = FIELD_NAMES.filter((f) => f.startsWith(prefix.toLowerCase()));
  if (!last || (last.t === "(" && !(prev && kw(prev, "IN"))) || kw(last, "AND") || kw(last, "OR") || kw(last, "NOT")) return { kind: "field", prefix, from, items: fieldsList };
  const fieldBefore = (t: Token | undefined) => (t && t.t === "word" && isField(t.v) ? (t.v as Field) : null);
  if (last.t === "word" && isField(last.v) && !(prev && prev.t === "op")) {
    const t = (FIELDS[last.v as Field] as FieldDef).type;
    const ops = ["=", "!=", "IN", "NOT IN", "~", ...(t === "string" || t === "labels" ? ["^="] : []), ...(t === "ip" ? ["<<"] : []), ...(t === "number" || t === "time" ? ["<", ">"] : [])];
    return { kind: "operator", prefix, from, items: ops };
  }
  let field: Field | null = null;
  if (last.t === "op") field = fieldBefore(prev);
  else if (last.t === "(" || last.t === ",") {
    for (let j = toks.length - 1; j >= 0; j--)
      if (kw(toks[j], "IN")) {
        field = fieldBefore(toks[j - 1]) ?? fieldBefore(toks[j - 2]);
        break;
      }
  }
  if (field) {
    const def = FIELDS[field] as FieldDef;
    const closed = def.values ?? (field === "protocol" ? Object.keys(PROTOCOL_NAMES) : def.type === "bool" ? ["true", "false"] : []);
    return { kind: "value", field, prefix, from, items: closed.filter((v) => v && v.startsWith(prefix)) };
  }
  return { kind: "keyword", prefix, from, items: ["AND", "OR"].filter((k) => k.startsWith(prefix.toUpperCase())) };
}
