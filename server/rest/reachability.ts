// POST /vnc/reachability — "why can't A reach B", answered from the compiled state by the agents'
// own pipeline (no packet sent). Takes the same body as POST /vnc/test-traffic (`port`,
// `destination`, `protocol`, `dst_port`; or `from_vrf` + `source` for traffic from outside) and
// answers `verdict` (allowed / denied), `steps`, the deciding object and rule, and `suggestion`.
// POST /vnc/reachability/apply writes a suggestion's changes (as the caller, each audited).
import type { Actor } from "../engine/config/api";
import type { ConfigObject, ObjectType } from "../engine/model/types";
import { WeftError } from "../engine/model/errors";
import type { Probe } from "../engine/reachability";
import { applyChanges, type DraftChange } from "../engine/reachability/draft";
import type { Services } from "../services";

const PROTOCOLS = ["tcp", "udp", "icmp"] as const;

function portNumber(v: unknown, field: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 65535) throw new WeftError("bad_request", `${field}: must be an integer 0–65535`, [{ field, message: "0–65535" }]);
  return v;
}

/** May the caller look at what this object's project can reach? Admins: everything; others: their projects. */
function mayRead(s: Services, actor: Actor, o: ConfigObject) {
  if (actor.role === "admin") return;
  const project = s.engine.config.projectOf(o);
  if (!project || !(actor.projectUuids ?? []).includes(project.uuid)) {
    throw new WeftError("forbidden", `${actor.email} may not read project ${project?.fq_name.join(":") ?? "?"}: the port's project is not granted to them`, [{ field: "port", message: "not in your projects" }]);
  }
}

/** The source port: a virtual-machine-interface (uuid or fq_name), or a virtual-machine's first interface. */
function sourcePort(s: Services, raw: unknown): ConfigObject {
  const svc = s.engine.config;
  const fq = typeof raw === "string" && raw.includes(":") ? raw.split(":") : Array.isArray(raw) && raw.every((x) => typeof x === "string") ? (raw as string[]) : null;
  let o: ConfigObject | undefined = fq ? (svc.getByFqName("virtual-machine-interface", fq) ?? svc.getByFqName("virtual-machine", fq)) : typeof raw === "string" ? svc.find(raw) : undefined;
  if (o?.type === "virtual-machine") {
    const vm = o;
    const vmi = svc.backRefs(vm.uuid).find((r) => r.type === "virtual-machine-interface");
    if (!vmi) throw new WeftError("not_found", `port: virtual-machine ${vm.fq_name.join(":")} has no interface`, [{ field: "port", message: "the workload has no port" }]);
    o = svc.find(vmi.uuid);
  }
  if (!o || o.type !== "virtual-machine-interface") {
    throw new WeftError("not_found", `port: ${JSON.stringify(raw)} is not a port (virtual-machine-interface) or workload (virtual-machine); give its uuid or fq_name`, [{ field: "port", message: "not found" }]);
  }
  return o;
}

/** The question in the test-traffic body's shape, checked field by field. */
export function parseProbe(s: Services, actor: Actor, body: Record<string, unknown>): Probe {
  const dst = body.destination ?? body.dst;
  if (typeof dst !== "string" || !dst || dst.length > 64) throw new WeftError("bad_request", "destination: the address to reach is required", [{ field: "destination", message: "required: an IPv4 or IPv6 address" }]);
  const protocol = body.protocol ?? "tcp";
  if (typeof protocol !== "string" || !(PROTOCOLS as readonly string[]).includes(protocol)) throw new WeftError("bad_request", "protocol: must be tcp, udp or icmp", [{ field: "protocol", message: "tcp, udp or icmp" }]);
  const probe: Probe = { dst, protocol: protocol as Probe["protocol"], dstPort: portNumber(body.dst_port, "dst_port"), srcPort: portNumber(body.src_port, "src_port") || 33000 };
  if (typeof body.from_vrf === "string" && body.from_vrf) {
    if (actor.role !== "admin") throw new WeftError("forbidden", "from_vrf: traffic from outside is an admin question (it crosses every project's routing instances)", [{ field: "from_vrf", message: "admins only" }]);
    const vn = s.engine.config.getByFqName("virtual-network", body.from_vrf.split(":"));
    const ri = vn ? s.engine.compiler.instanceOfNetwork(vn.uuid) : s.engine.compiler.instanceByName(body.from_vrf);
    if (!ri) throw new WeftError("not_found", `from_vrf: routing instance ${body.from_vrf} not found`, [{ field: "from_vrf", message: "no such routing instance or virtual network" }]);
    const src = body.source ?? body.src;
    if (typeof src !== "string" || !src) throw new WeftError("bad_request", "source: the outside address the packet comes from is required with from_vrf", [{ field: "source", message: "required" }]);
    return { ...probe, fromVrf: ri.name, src };
  }
  if (body.port === undefined || body.port === null || body.port === "") throw new WeftError("bad_request", "port: the port (or workload) to start from is required (or from_vrf + source for traffic from outside)", [{ field: "port", message: "required" }]);
  const port = sourcePort(s, body.port);
  mayRead(s, actor, port);
  return { ...probe, portUuid: port.uuid, ...(typeof body.source === "string" && body.source ? { src: body.source } : {}) };
}

export async function reachability(s: Services, actor: Actor, body: Record<string, unknown>) {
  const probe = parseProbe(s, actor, body);
  const started = performance.now();
  const answer = await s.engine.reachability.ask(probe, { suggest: body.suggest !== false });
  const elapsed_ms = Math.round((performance.now() - started) * 10) / 10;
  // the objects that decided, with their uuids (links in the console, GETs for a client)
  const withUuid = <T extends { object: { type: string; fq_name: string[] } | null }>(d: T) =>
    d.object ? { ...d, object: { ...d.object, uuid: s.engine.config.getByFqName(d.object.type as ObjectType, d.object.fq_name)?.uuid ?? null } } : d;
  return { ...answer, decisions: answer.decisions.map(withUuid), deciding: answer.deciding ? withUuid(answer.deciding) : null, elapsed_ms };
}

/** POST /vnc/reachability/apply {changes}: a suggestion's changes written in order, as the caller. */
export async function applySuggestion(s: Services, actor: Actor, body: Record<string, unknown>) {
  if (actor.role === "viewer") throw new WeftError("forbidden", `${actor.email} has the viewer role: applying changes needs operator or admin`);
  const changes = body.changes;
  if (!Array.isArray(changes) || changes.length === 0 || changes.length > 20) throw new WeftError("bad_request", "changes: the suggestion's list of changes (1–20)", [{ field: "changes", message: "1–20 changes" }]);
  for (const [i, c] of (changes as DraftChange[]).entries()) {
    if (!c || (c.action !== "create" && c.action !== "update") || typeof c.type !== "string" || typeof c.uuid !== "string" || !Array.isArray(c.fq_name) || typeof c.object !== "object" || !c.object) {
      throw new WeftError("bad_request", `changes[${i}]: each change needs action (create|update), type, uuid, fq_name and object, as the analysis returned it`, [{ field: `changes.${i}`, message: "malformed change" }]);
    }
  }
  const written = await applyChanges(s.engine.config, changes as DraftChange[], actor);
  return { applied: written.map((o) => ({ type: o.type, uuid: o.uuid, fq_name: o.fq_name, resource_version: o.resource_version })) };
}

const MAX_SIDE = 100;

/** A matrix side: ports, workloads or networks (a network stands for its first bound port / its address). */
function matrixSide(s: Services, actor: Actor, raw: unknown, field: string, role: "source" | "destination"): { label: string; value: string }[] {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_SIDE) throw new WeftError("bad_request", `${field}: a list of 1–${MAX_SIDE} entries`, [{ field, message: `1–${MAX_SIDE} entries` }]);
  const svc = s.engine.config;
  return raw.map((x, i) => {
    if (typeof x !== "string" || !x || x.length > 400) throw new WeftError("bad_request", `${field}[${i}]: a uuid, fq_name or address`, [{ field: `${field}.${i}`, message: "a string" }]);
    if (role === "destination" && /^[0-9a-f.:]+$/i.test(x) && (x.includes(".") || x.includes(":")) && !x.includes("-")) {
      return { label: x, value: x };
    }
    const fq = x.includes(":") ? x.split(":") : null;
    const vn = fq ? svc.getByFqName("virtual-network", fq) : svc.find(x)?.type === "virtual-network" ? svc.find(x) : undefined;
    if (vn) {
      mayRead(s, actor, vn);
      const port = [...s.engine.compiler.state.ports.values()].find((p) => p.networkUuid === vn.uuid && p.host && p.addresses.length);
      if (!port) throw new WeftError("bad_request", `${field}[${i}]: virtual-network ${vn.fq_name.join(":")} has no bound port with an address to stand for it`, [{ field: `${field}.${i}`, message: "no bound port in this network" }]);
      return { label: vn.fq_name.join(":"), value: role === "source" ? port.uuid : port.addresses[0] };
    }
    const port = sourcePort(s, fq ?? x);
    mayRead(s, actor, port);
    if (role === "source") return { label: port.fq_name.join(":"), value: port.uuid };
    const address = s.engine.compiler.state.ports.get(port.uuid)?.addresses[0];
    if (!address) throw new WeftError("bad_request", `${field}[${i}]: port ${port.fq_name.join(":")} has no address`, [{ field: `${field}.${i}`, message: "no address" }]);
    return { label: port.fq_name.join(":"), value: address };
  });
}

/** POST /vnc/reachability/matrix {sources, destinations, protocol, dst_port}: allowed/denied per cell, each explainable. */
export async function reachabilityMatrix(s: Services, actor: Actor, body: Record<string, unknown>) {
  const sources = matrixSide(s, actor, body.sources, "sources", "source");
  const destinations = matrixSide(s, actor, body.destinations, "destinations", "destination");
  const protocol = body.protocol ?? "tcp";
  if (typeof protocol !== "string" || !(PROTOCOLS as readonly string[]).includes(protocol)) throw new WeftError("bad_request", "protocol: must be tcp, udp or icmp", [{ field: "protocol", message: "tcp, udp or icmp" }]);
  const dstPort = portNumber(body.dst_port, "dst_port");
  const started = performance.now();
  const rows = await s.engine.reachability.matrix(sources.map((x) => x.value), destinations.map((x) => x.value), protocol as Probe["protocol"], dstPort);
  return {
    protocol,
    dst_port: dstPort,
    sources: sources.map((x) => ({ label: x.label, port: x.value })),
    destinations: destinations.map((x) => ({ label: x.label, address: x.value })),
    cells: rows.map((row) => row.map((a) => ({ verdict: a.verdict, reason: a.reason, deciding: a.deciding ? { stage: a.deciding.stage, node: a.deciding.node, origin: a.deciding.origin, object: a.deciding.object } : null }))),
    elapsed_ms: Math.round(performance.now() - started),
  };
}
