// Read-only VNC shapes of what the compiler produces (routing-instance as a child of its VN with
// route_target_refs to route-target objects named target:<ASN>:<n>), and the test-traffic action.
import type { IncomingMessage, ServerResponse } from "node:http";
import { WeftError } from "../engine/model/errors";
import type { Actor } from "../engine/config/api";
import { routeTargetNames, vncRouteTarget, vncRoutingInstance } from "../engine/control/views";
import type { Services } from "../services";
import { renderObject } from "../engine/config/view";

export const COMPILED_TYPES = ["routing-instance", "route-target"] as const;

type Send = (res: ServerResponse, status: number, body: unknown) => void;

/** Compiled instances (one per VN) plus the configured fabric ones (ip-fabric:__default__). */
function instances(s: Services, base: string) {
  const configured = s.engine.config.list("routing-instance").map((o) => renderObject(s.engine.config, o, { base }) as ReturnType<typeof vncRoutingInstance>);
  return [...configured, ...[...s.engine.compiler.state.instances.values()].map((ri) => vncRoutingInstance(s.engine, ri, base))];
}
/** Route targets in use (compiled) and those an admin made as config objects (grants, issue 14). */
function targets(s: Services, base: string) {
  const configured = s.engine.config.list("route-target");
  const names = new Set(configured.map((o) => o.name));
  return [
    ...configured.map((o) => renderObject(s.engine.config, o, { base }) as ReturnType<typeof vncRouteTarget>),
    ...routeTargetNames(s.engine).filter((rt) => !names.has(rt)).map((rt) => vncRouteTarget(s.engine, rt, base)),
  ];
}

/** Handles /vnc requests about compiled objects; returns false when the request is not one. */
export function routeCompiled(s: Services, parts: string[], method: string, url: URL, base: string, res: ServerResponse, send: Send): boolean {
  const type = parts[0]?.replace(/s$/, "");
  if (!(COMPILED_TYPES as readonly string[]).includes(type ?? "")) return false;
  // a route-target is also a config type (an admin's grant): writes, and reads of one by its
  // config uuid, are the generic config API's
  if (type === "route-target" && (method !== "GET" || (parts.length === 2 && s.engine.config.find(parts[1])?.type === "route-target"))) return false;
  if (method !== "GET") {
    throw new WeftError("method_not_allowed", `${type} objects are compiled from virtual networks (read-only): change the virtual network instead`);
  }
  const all = type === "routing-instance" ? instances(s, base) : targets(s, base);
  if (parts.length === 1 && parts[0].endsWith("s")) {
    const q = url.searchParams;
    const parents = q.get("parent_id")?.split(",").filter(Boolean);
    const items = all.filter((o) => !parents || parents.includes((o as { parent_uuid?: string }).parent_uuid ?? ""));
    const key = `${type}s`;
    if (q.get("count")?.toLowerCase() === "true") send(res, 200, { [key]: { count: items.length } });
    else if (q.get("detail")?.toLowerCase() === "true") send(res, 200, { [key]: items.map((o) => ({ [type!]: o })) });
    else send(res, 200, { [key]: items.map((o) => ({ href: o.href, fq_name: o.fq_name, uuid: o.uuid })) });
    return true;
  }
  if (parts.length === 2) {
    const o = all.find((x) => x.uuid === parts[1]);
    if (!o) throw new WeftError("not_found", `${type} ${parts[1]} not found`);
    send(res, 200, { [type!]: o });
    return true;
  }
  return false;
}

/** fqname-to-id for compiled types; null when the type is not compiled. */
export function compiledFqNameToId(s: Services, type: string, fq: string[]): string | null | undefined {
  if (!(COMPILED_TYPES as readonly string[]).includes(type)) return undefined;
  if (type === "route-target" && s.engine.config.getByFqName("route-target", fq)) return undefined;
  const all = type === "routing-instance" ? instances(s, "") : targets(s, "");
  return all.find((o) => o.fq_name.join(":") === fq.join(":"))?.uuid ?? null;
}

/** The routing instances a VN's GET lists as children. */
export function routingInstanceChildren(s: Services, vnUuid: string, base: string) {
  const ri = s.engine.compiler.state.instances.get(vnUuid);
  return ri ? [{ to: ri.fq_name, href: `${base}/routing-instance/${ri.uuid}`, uuid: ri.uuid }] : [];
}

/** POST /vnc/test-traffic: a packet from a port to an address, through the real data path. */
export async function testTraffic(s: Services, actor: Actor, body: Record<string, unknown>) {
  if (actor.role === "viewer") throw new WeftError("forbidden", `${actor.email} has the viewer role: test traffic needs operator or admin`);
  const svc = s.engine.config;
  if (body.from_vrf !== undefined && body.from_vrf !== null && body.from_vrf !== "") return testTrafficFromOutside(s, body);
  const portIn = body.port;
  const port =
    typeof portIn === "string" && portIn.includes(":")
      ? svc.getByFqName("virtual-machine-interface", portIn.split(":"))
      : Array.isArray(portIn)
        ? svc.getByFqName("virtual-machine-interface", portIn as string[])
        : typeof portIn === "string"
          ? svc.find(portIn)
          : undefined;
  if (!port || port.type !== "virtual-machine-interface") throw new WeftError("not_found", `port: virtual-machine-interface ${JSON.stringify(portIn)} not found (give its uuid or fq_name)`);
  const dst = body.destination ?? body.dst;
  if (typeof dst !== "string" || !dst) throw new WeftError("bad_request", "destination: the address to send to is required", [{ field: "destination", message: "required" }]);
  const protocol = typeof body.protocol === "string" ? body.protocol : "icmp";
  if (!["tcp", "udp", "icmp"].includes(protocol)) throw new WeftError("bad_request", "protocol: must be tcp, udp or icmp", [{ field: "protocol", message: "tcp, udp or icmp" }]);
  const num = (v: unknown, f: string) => {
    if (v === undefined || v === null) return 0;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 65535) throw new WeftError("bad_request", `${f}: must be 0–65535`, [{ field: f, message: "0–65535" }]);
    return v;
  };
  return s.engine.control.trace({
    portUuid: port.uuid,
    dst,
    protocol,
    dstPort: num(body.dst_port, "dst_port"),
    srcPort: num(body.src_port, "src_port") || 33000 + Math.floor(Math.random() * 20000),
    src: typeof body.source === "string" ? body.source : undefined,
  });
}

/**
 * POST /vnc/test-traffic with from_vrf: a packet "from outside" (the gateway side) entering a
 * routing instance (name, or the fq_name of its virtual network), e.g. to a floating IP; the
 * answer of the port it reaches is traced too (reply_verdict, and the hops after "reply").
 */
async function testTrafficFromOutside(s: Services, body: Record<string, unknown>) {
  const raw = body.from_vrf;
  if (typeof raw !== "string") throw new WeftError("bad_request", "from_vrf: the routing instance name (or its virtual network's fq_name) as a string", [{ field: "from_vrf", message: "a string" }]);
  const vn = s.engine.config.getByFqName("virtual-network", raw.split(":"));
  const ri = vn ? s.engine.compiler.instanceOfNetwork(vn.uuid) : s.engine.compiler.instanceByName(raw);
  if (!ri) throw new WeftError("not_found", `from_vrf: routing instance ${raw} not found`, [{ field: "from_vrf", message: "no such routing instance or virtual network" }]);
  const src = body.source ?? body.src;
  if (typeof src !== "string" || !src) throw new WeftError("bad_request", "source: the outside address the packet comes from is required with from_vrf", [{ field: "source", message: "required" }]);
  const dst = body.destination ?? body.dst;
  if (typeof dst !== "string" || !dst) throw new WeftError("bad_request", "destination: the address to send to is required", [{ field: "destination", message: "required" }]);
  const protocol = typeof body.protocol === "string" ? body.protocol : "icmp";
  if (!["tcp", "udp", "icmp"].includes(protocol)) throw new WeftError("bad_request", "protocol: must be tcp, udp or icmp", [{ field: "protocol", message: "tcp, udp or icmp" }]);
  const num = (v: unknown, f: string) => {
    if (v === undefined || v === null) return 0;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 65535) throw new WeftError("bad_request", `${f}: must be 0–65535`, [{ field: f, message: "0–65535" }]);
    return v;
  };
  return s.engine.control.traceFromOutside({
    fromVrf: ri.name,
    src,
    dst,
    protocol,
    dstPort: num(body.dst_port, "dst_port"),
    srcPort: num(body.src_port, "src_port") || 33000 + Math.floor(Math.random() * 20000),
  });
}

export type { IncomingMessage };
