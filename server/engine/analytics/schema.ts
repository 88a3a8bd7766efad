// The flow record as the store keeps it: one row per flow per export interval (a long flow gives
// several rows; `first` marks the row that opened it), enriched at ingest with names from the
// engine's state. Field names are what the filter language, group-by and the console use.

/** "labels": a pod's Kubernetes labels as one canonical text (`app=web,tier=front`, keys sorted); `=` matches one label */
export type FieldType = "string" | "number" | "ip" | "time" | "bool" | "labels";

export interface FieldDef {
  type: FieldType;
  /** what an operator reads in the field picker */
  label: string;
  /** closed set of values (autocomplete, and a typo is an error) */
  values?: readonly string[];
  /** kept in the per-minute / per-hour rollups */
  rollup?: boolean;
}

export const ACTIONS = ["pass", "deny", "drop"] as const;
export const DIRECTIONS = ["egress", "ingress"] as const;
export const PROTOCOL_NAMES: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmp6: 58 };

export const FIELDS = {
  end_ms: { type: "time", label: "last packet (ms since epoch)" },
  start_ms: { type: "time", label: "first packet of the flow (ms)" },
  node: { type: "string", label: "compute node (vRouter) that recorded the flow", rollup: true },
  direction: { type: "string", label: "egress (left a local port) / ingress (came from the tunnel)", values: DIRECTIONS, rollup: true },
  vrf: { type: "string", label: "routing instance", rollup: true },
  protocol: { type: "number", label: "IP protocol (tcp, udp, icmp or a number)", rollup: true },
  src_ip: { type: "ip", label: "source address" },
  dst_ip: { type: "ip", label: "destination address" },
  src_port: { type: "number", label: "source L4 port" },
  dst_port: { type: "number", label: "destination L4 port", rollup: true },
  action: { type: "string", label: "pass / deny / drop", values: ACTIONS, rollup: true },
  reason: { type: "string", label: "why (the agent's words)" },
  rule: { type: "string", label: "deciding rule (policy / security group and rule number)", rollup: true },
  rule_acl: { type: "string", label: "ACL of the deciding rule", rollup: true },
  rule_uuid: { type: "string", label: "uuid of the deciding rule" },
  src_vn: { type: "string", label: "source virtual network", rollup: true },
  dst_vn: { type: "string", label: "destination virtual network", rollup: true },
  src_project: { type: "string", label: "source project", rollup: true },
  dst_project: { type: "string", label: "destination project", rollup: true },
  src_namespace: { type: "string", label: "source Kubernetes namespace", rollup: true },
  dst_namespace: { type: "string", label: "destination Kubernetes namespace", rollup: true },
  src_labels: { type: "labels", label: "source pod labels (src_labels = app=web matches one label, src_labels = app a key)", rollup: true },
  dst_labels: { type: "labels", label: "destination pod labels (dst_labels = app=web matches one label, dst_labels = app a key)", rollup: true },
  src_workload: { type: "string", label: "source workload (VM / pod)", rollup: true },
  dst_workload: { type: "string", label: "destination workload (VM / pod)", rollup: true },
  src_vmi: { type: "string", label: "source port (VMI) FQ name", rollup: true },
  dst_vmi: { type: "string", label: "destination port (VMI) FQ name", rollup: true },
  nat_src_ip: { type: "string", label: "source after NAT (floating IP)" },
  nat_dst_ip: { type: "string", label: "destination after NAT (floating IP → fixed)" },
  nh_node: { type: "string", label: "next-hop compute node", rollup: true },
  nh_address: { type: "string", label: "next-hop tunnel endpoint" },
  encap: { type: "string", label: "encapsulation", values: ["MPLSoGRE", "MPLSoUDP", "VXLAN", ""], rollup: true },
  packets: { type: "number", label: "packets in this interval" },
  bytes: { type: "number", label: "bytes in this interval" },
  reverse: { type: "bool", label: "answer direction of an allowed flow", rollup: true },
  first: { type: "bool", label: "first record of the flow" },
  status: { type: "string", label: "active / aged / flushed / dropped (no flow)", values: ["active", "aged", "flushed", "dropped"] },
  flow_id: { type: "string", label: "flow id (node-scoped)" },
} as const satisfies Record<string, FieldDef>;

export type Field = keyof typeof FIELDS;
export const FIELD_NAMES = Object.keys(FIELDS) as Field[];
export const ROLLUP_DIMS = FIELD_NAMES.filter((f) => (FIELDS[f] as FieldDef).rollup);
export const isField = (s: string): s is Field => Object.hasOwn(FIELDS, s);

/** One stored flow record. */
export interface FlowRow {
  id: number;
  end_ms: number;
  start_ms: number;
  node: string;
  direction: string;
  vrf: string;
  protocol: number;
  src_ip: string;
  dst_ip: string;
  src_port: number;
  dst_port: number;
  action: string;
  reason: string;
  rule: string;
  rule_acl: string;
  rule_uuid: string;
  src_vn: string;
  dst_vn: string;
  src_project: string;
  dst_project: string;
  src_namespace: string;
  dst_namespace: string;
  /** canonical label text (labelsText), "" when the endpoint has none */
  src_labels: string;
  dst_labels: string;
  src_workload: string;
  dst_workload: string;
  src_vmi: string;
  dst_vmi: string;
  nat_src_ip: string;
  nat_dst_ip: string;
  nh_node: string;
  nh_address: string;
  encap: string;
  packets: number;
  bytes: number;
  reverse: boolean;
  first: boolean;
  status: string;
  flow_id: string;
}

/** Column order of the raw table (id first, then the fields, then the numeric IPv4 helpers). */
export const ROW_COLUMNS: (keyof FlowRow)[] = ["id", ...(FIELD_NAMES as (keyof FlowRow)[])];

/** IPv4 as a 32-bit number (0 for anything else): the `<<` (in subnet) operator compares ranges of it. */
export function ipv4Number(s: string): number {
  const p = s.split(".");
  if (p.length !== 4) return 0;
  let n = 0;
  for (const x of p) {
    const v = Number(x);
    if (!/^\d{1,3}$/.test(x) || v > 255) return 0;
    n = n * 256 + v;
  }
  return n;
}

/**
 * Labels as one canonical text: `key=value` pairs sorted by key, joined by ",". Kubernetes keys and
 * values never hold "," or "=" (keys: [prefix/]name of alphanumerics, "-", "_", "."), so a label is
 * found by its delimited text in either store.
 */
export function labelsText(labels: Record<string, string> | undefined): string {
  if (!labels) return "";
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}=${labels[k]}`).join(",");
}

/** One label term of a filter: `key=value`, or `key` (the key with any value). */
export const LABEL_TERM = /^[A-Za-z0-9][A-Za-z0-9_.\-/]*(=[A-Za-z0-9_.\-]*)?$/;

/** What a label term looks like inside ",<labels>,": ",key=value," exactly, or ",key=" for the key alone. */
export const labelNeedle = (term: string) => (term.includes("=") ? `,${term},` : `,${term}=`);

/** Whether a canonical label text holds a term (`key=value` exactly, or `key` with any value). */
export function labelsHave(text: string, term: string): boolean {
  return text !== "" && `,${text},`.includes(labelNeedle(term));
}

/** The single labels (`key=value`) of a canonical label text. */
export const labelTerms = (text: string): string[] => (text ? text.split(",") : []);

/**
 * A group-by dimension: a field, or one label key of a side (`src_labels.app`: the value of the
 * source pod's `app` label, "" when it has none) — traffic by app, tier or team.
 */
export type LabelKeyDim = `src_labels.${string}` | `dst_labels.${string}`;
export type Dim = Field | LabelKeyDim;
export const LABEL_KEY_DIM = /^(src|dst)_labels\.([A-Za-z0-9][A-Za-z0-9_.\-/]*)$/;
/** The label field and key of a label-key dimension, null for a field. */
export function labelKeyOf(d: string): { field: "src_labels" | "dst_labels"; key: string } | null {
  const m = LABEL_KEY_DIM.exec(d);
  return m ? { field: `${m[1]}_labels` as "src_labels" | "dst_labels", key: m[2] } : null;
}
/** The stored field a dimension reads. */
export const dimField = (d: Dim): Field => labelKeyOf(d)?.field ?? (d as Field);
/** The value of one key in a canonical label text ("" when absent). */
export function labelValue(text: string, key: string): string {
  for (const t of labelTerms(text)) if (t.startsWith(`${key}=`)) return t.slice(key.length + 1);
  return "";
}

export const METRICS = ["bytes", "packets", "flows", "records"] as const;
export type Metric = (typeof METRICS)[number];
