// Printing objects: aligned tables with a few columns per type, or JSON / YAML as the API returns it.
import YAML from "yaml";
import type { ObjectType } from "../server/engine/model/types";
import { UsageError } from "./client";

export type Format = "table" | "json" | "yaml";

export function parseFormat(s: string | undefined): Format {
  const f = (s ?? "table").toLowerCase();
  if (f === "table" || f === "json" || f === "yaml") return f;
  if (f === "yml") return "yaml";
  throw new UsageError(`-o ${s}: use table, json or yaml`);
}

type Obj = Record<string, unknown>;
type Ref = { to?: string[]; uuid?: string; attr?: unknown };

const refs = (o: Obj, field: string) => (Array.isArray(o[field]) ? (o[field] as Ref[]) : []);
const fq = (v: unknown) => (Array.isArray(v) ? v.join(":") : "");
const firstRef = (o: Obj, field: string) => fq(refs(o, field)[0]?.to);
const listOr = (xs: string[]) => xs.join(",") || "-";

function subnets(o: Obj): string {
  const out: string[] = [];
  for (const r of refs(o, "network_ipam_refs")) {
    const attr = r.attr as { ipam_subnets?: { subnet?: { ip_prefix?: string; ip_prefix_len?: number } }[] } | null;
    for (const s of attr?.ipam_subnets ?? []) if (s.subnet) out.push(`${s.subnet.ip_prefix}/${s.subnet.ip_prefix_len}`);
  }
  return listOr(out);
}

const ruleCount = (o: Obj, field: string) => String((o[field] as { policy_rule?: unknown[] } | undefined)?.policy_rule?.length ?? 0);

/** Extra columns per type, after NAME, FQ NAME, UUID. */
const COLUMNS: Partial<Record<ObjectType, [string, (o: Obj) => string][]>> = {
  "network-ipam": [["METHOD", (o) => String(o.ipam_subnet_method ?? "-")]],
  "virtual-network": [
    ["SUBNETS", subnets],
    ["VN ID", (o) => String(o.virtual_network_network_id ?? "-")],
    ["EXTERNAL", (o) => (o.router_external ? "yes" : "no")],
  ],
  "virtual-machine-interface": [
    ["MAC", (o) => listOr((o.virtual_machine_interface_mac_addresses as { mac_address?: string[] } | undefined)?.mac_address ?? [])],
    ["NETWORK", (o) => firstRef(o, "virtual_network_refs") || "-"],
    ["SECURITY GROUPS", (o) => listOr(refs(o, "security_group_refs").map((r) => r.to?.at(-1) ?? r.uuid ?? ""))],
  ],
  "instance-ip": [
    ["ADDRESS", (o) => String(o.instance_ip_address ?? "-")],
    ["NETWORK", (o) => firstRef(o, "virtual_network_refs") || "-"],
    ["PORT", (o) => listOr(refs(o, "virtual_machine_interface_refs").map((r) => fq(r.to)))],
  ],
  "floating-ip": [
    ["ADDRESS", (o) => String(o.floating_ip_address ?? "-")],
    ["PORT", (o) => listOr(refs(o, "virtual_machine_interface_refs").map((r) => fq(r.to)))],
  ],
  "floating-ip-pool": [["NETWORK", (o) => fq((o.fq_name as string[] | undefined)?.slice(0, -1)) || "-"]],
  "security-group": [
    ["ID", (o) => String(o.security_group_id ?? "-")],
    ["RULES", (o) => ruleCount(o, "security_group_entries")],
  ],
  "network-policy": [["RULES", (o) => ruleCount(o, "network_policy_entries")]],
  "virtual-machine": [["SERVER TYPE", (o) => String(o.server_type ?? "-")]],
};

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join("   ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

export function objectTable(type: ObjectType, objs: Obj[]): string {
  const extra = COLUMNS[type] ?? [];
  const headers = ["NAME", "FQ NAME", "UUID", ...extra.map(([h]) => h)];
  const rows = objs.map((o) => [String(o.name ?? (o.fq_name as string[] | undefined)?.at(-1) ?? ""), fq(o.fq_name), String(o.uuid ?? ""), ...extra.map(([, f]) => f(o))]);
  return table(headers, rows);
}

export function serialize(data: unknown, format: "json" | "yaml"): string {
  return format === "json" ? JSON.stringify(data, null, 2) : YAML.stringify(data, { aliasDuplicateObjects: false }).trimEnd();
}
