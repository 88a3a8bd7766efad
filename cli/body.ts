// Request bodies from files (-f, YAML or JSON, "-" for stdin) and from flags (--set, --ref, --subnet).
import fs from "node:fs";
import YAML from "yaml";
import type { ObjectType } from "../server/engine/model/types";
import { underscored } from "../server/engine/model/types";
import { UsageError } from "./client";
import { isTypeName, isUuid, parseFq, resolveType } from "./types";

export type Obj = Record<string, unknown>;
export interface Document {
  type: ObjectType;
  body: Obj;
  /** where it came from, for messages: "file.yaml#2" */
  source: string;
}

const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

function readText(file: string): string {
  try {
    return file === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** Every value in a file: YAML documents (JSON is YAML), a top-level list spread out. */
export function readValues(file: string): { value: unknown; source: string }[] {
  const docs = YAML.parseAllDocuments(readText(file));
  const out: { value: unknown; source: string }[] = [];
  docs.forEach((d, i) => {
    if (d.errors.length) throw new UsageError(`${file}: document ${i + 1}: ${d.errors[0].message}`);
    const v = d.toJS() as unknown;
    if (v === null || v === undefined) return;
    const values = Array.isArray(v) ? v : [v];
    values.forEach((x, j) => out.push({ value: x, source: `${file}#${i + 1}${Array.isArray(v) ? `[${j}]` : ""}` }));
  });
  return out;
}

/** `{<type>: {...}}` → a document. */
export function toDocument(value: unknown, source: string): Document {
  if (!isObj(value) || Object.keys(value).length !== 1 || !isObj(Object.values(value)[0])) {
    throw new UsageError(`${source}: each object must be written as {<type>: {...}}, e.g. virtual-network: {fq_name: [...], ...}`);
  }
  const [key, body] = Object.entries(value)[0];
  return { type: resolveType(key), body: body as Obj, source };
}

/** The body for `create <type> -f file`: wrapped or bare, exactly one object. */
export function createBodyFromFile(type: ObjectType, file: string): Obj {
  const values = readValues(file);
  if (values.length !== 1) throw new UsageError(`${file}: create takes exactly one object (found ${values.length}); use \`weftctl apply -f\` for several`);
  const { value, source } = values[0];
  if (!isObj(value)) throw new UsageError(`${source}: not an object`);
  const keys = Object.keys(value);
  if (keys.length === 1 && isObj(value[keys[0]]) && isTypeName(keys[0])) {
    const doc = toDocument(value, source);
    if (doc.type !== type) throw new UsageError(`${source}: holds a ${doc.type}, not a ${type}`);
    return doc.body;
  }
  return value;
}

/** `a.b.c=value`: value read as YAML, so true/10/[...]/{...} have their types. */
export function applySet(body: Obj, assignment: string) {
  const i = assignment.indexOf("=");
  if (i <= 0) throw new UsageError(`--set ${assignment}: use key=value (key may be dotted: virtual_network_properties.forwarding_mode=l2)`);
  const path = assignment.slice(0, i).split(".");
  const raw = assignment.slice(i + 1);
  let value: unknown;
  try {
    value = raw === "" ? "" : YAML.parse(raw);
  } catch {
    value = raw;
  }
  let at = body;
  for (const k of path.slice(0, -1)) {
    if (!isObj(at[k])) at[k] = {};
    at = at[k] as Obj;
  }
  at[path[path.length - 1]] = value;
}

/** `--ref virtual-network=default-domain:p:vn` (or =<uuid>) → virtual_network_refs. */
export function applyRef(body: Obj, spec: string) {
  const i = spec.indexOf("=");
  if (i <= 0) throw new UsageError(`--ref ${spec}: use <type>=<fq_name|uuid>, e.g. --ref vn=default-domain:demo:web`);
  const field = `${underscored(resolveType(spec.slice(0, i)))}_refs`;
  const target = spec.slice(i + 1);
  const list = Array.isArray(body[field]) ? (body[field] as unknown[]) : [];
  list.push(isUuid(target) ? { uuid: target } : { to: parseFq(target) });
  body[field] = list;
}

export const DEFAULT_IPAM = ["default-domain", "default-project", "default-network-ipam"];

/** `--subnet 10.0.0.0/24` for a virtual network, on the given (or default) IPAM. */
export function applySubnets(body: Obj, cidrs: string[], ipam?: string) {
  const ipamSubnets = cidrs.map((c) => {
    const m = /^(.+)\/(\d{1,3})$/.exec(c);
    if (!m) throw new UsageError(`--subnet ${c}: use CIDR notation, e.g. 10.0.0.0/24`);
    return { subnet: { ip_prefix: m[1], ip_prefix_len: Number(m[2]) } };
  });
  const ref = ipam && isUuid(ipam) ? { uuid: ipam } : { to: ipam ? parseFq(ipam) : DEFAULT_IPAM };
  body.network_ipam_refs = [{ ...ref, attr: { ipam_subnets: ipamSubnets } }];
}
