// Hostile agents (issue 14): clients built from agent.proto alone try to join the control node
// without credentials, with a foreign CA's certificate, with a valid certificate under another
// node's name, announcing another node's address, forging flow records; tokens are single use and
// expire; a second session under one identity is visible. Each attack is refused, and nothing
// changes in any routing instance, any agent's FIB or the flow store.
import fs from "node:fs";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type AgentCredentials, type AgentHandle, enrol, startAgent } from "../../server/engine/agent/main";
import { TLS_CHANNEL_OPTIONS } from "../../server/engine/agent/credentials";
import { Engine } from "../../server/engine/engine";
import { computeNodes } from "../../server/engine/control/views";
import type { ConfigObject } from "../../server/engine/model/types";
import { type ControlMessage, grpc, LOADER_OPTIONS, PROTO_FILE } from "../../server/engine/protocol";
import { ADMIN, tempDir, vnBody } from "../helpers";
import { waitFor } from "../bgp/daemons";

const P = ["default-domain", "hostile"];
const HOLD = 6;
const NODES = [
  { name: "compute-1", address: "127.0.31.1" },
  { name: "compute-2", address: "127.0.31.2" },
];
const MALLORY = { name: "compute-3", address: "127.0.31.3" };
let engine: Engine;
let other: Engine;
let dir: string;
let otherDir: string;
const agents = new Map<string, AgentHandle>();
let red: ConfigObject;
let a: { port: ConfigObject; address: string };
let b: { port: ConfigObject; address: string };
let mallory: AgentCredentials;
let control = "";
const logs: string[] = [];

const until = <T>(what: string, f: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 15_000) => waitFor(what, f, ms, 50);
const vrfOf = (vn: ConfigObject) => [...vn.fq_name, vn.name].join(":");
const bind = (host: string) => ({ virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } });

async function workload(vn: ConfigObject, name: string, host: string) {
  const port = await engine.config.create("virtual-machine-interface", { fq_name: [...P, name], virtual_network_refs: [{ uuid: vn.uuid }], ...bind(host) }, ADMIN);
  const iip = await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);
  return { port, address: iip.instance_ip_address as string };
}

// ------------------------------------------------------------ a raw client from agent.proto

type RawClient = grpc.Client & { Session(): grpc.ClientDuplexStream<unknown, ControlMessage> };
const Ctor = (
  grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS)) as unknown as { weft: { agent: { v1: { ControlNode: new (a: string, c: grpc.ChannelCredentials, o?: object) => RawClient } } } }
).weft.agent.v1.ControlNode;

interface Raw {
  stream: grpc.ClientDuplexStream<unknown, ControlMessage>;
  messages: ControlMessage[];
  /** the call's end: its status (an error) or "open" while it lasts */
  status: Promise<{ code: number; details: string }>;
  close(): void;
}

function rawSession(creds: grpc.ChannelCredentials, hello?: { name: string; address: string; boot_id?: string }): Raw {
  const client = new Ctor(control, creds, { ...TLS_CHANNEL_OPTIONS });
  const stream = client.Session();
  const messages: ControlMessage[] = [];
  stream.on("data", (m: ControlMessage) => messages.push(m));
  const status = new Promise<{ code: number; details: string }>((resolve) => {
    stream.on("error", (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details }));
    stream.on("status", (s: grpc.StatusObject) => resolve({ code: s.code, details: s.details }));
  });
  if (hello) {
    stream.write({
      hello: { protocol_version: 1, name: hello.name, address: hello.address, data_port: 9, encapsulations: ["MPLSoUDP"], agent_version: "mallory", boot_id: hello.boot_id ?? `boot-${Math.random()}` },
    });
  }
  return {
    stream,
    messages,
    status,
    close: () => {
      stream.on("error", () => {});
      stream.cancel();
      client.close();
    },
  };
}

const mtls = (c: AgentCredentials) => grpc.credentials.createSsl(Buffer.from(c.ca), Buffer.from(c.key), Buffer.from(c.cert), { checkServerIdentity: () => undefined });

/** Every path of every routing instance, as text (what must not change). */
function ribSnapshot(): string[] {
  const out: string[] = [];
  for (const [vrf, table] of engine.control.rib.tables) for (const r of table.values()) for (const p of r.paths) out.push(`${vrf} ${r.prefix} ${p.source} ${p.nextHop.address}`);
  return out.sort();
}
const fibOf = (node: string) => agents.get(node)!.routes().map((r) => JSON.stringify(r)).sort();

beforeAll(async () => {
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(" ")));
  dir = tempDir();
  otherDir = tempDir();
  engine = await Engine.start({ dataDir: dir, agentHost: "127.0.31.100", agentPort: 0, holdTimeSeconds: HOLD });
  control = `127.0.31.100:${engine.control.listenPort}`;
  for (const n of NODES) agents.set(n.name, await startAgent({ ...n, control, dataPort: 0, log: false, initialSyncWaitMs: 200, backoffInitialMs: 200, backoffMaxMs: 1000 }));
  await until("agents up", () => NODES.every((n) => engine.control.agents.get(n.name)?.state === "Up"));
  await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
  red = await engine.config.create("virtual-network", vnBody(P, "red", "10.31.0.0/24"), ADMIN);
  a = await workload(red, "a", "compute-1");
  b = await workload(red, "b", "compute-2");
  await until("b's route on compute-1", () => agents.get("compute-1")!.routes(vrfOf(red)).some((r) => r.prefix === `${b.address}/32`));
  await until("a's route on compute-2", () => agents.get("compute-2")!.routes(vrfOf(red)).some((r) => r.prefix === `${a.address}/32`));
  // mallory: a real, enrolled compute node (its own virtual-router, no ports) that turns hostile
  const token = await engine.trust.issueLocalToken(MALLORY.name, MALLORY.address);
  mallory = await enrol(control, MALLORY.name, token);
}, 90_000);

afterAll(async () => {
  vi.restoreAllMocks();
  for (const ag of agents.values()) await ag.stop();
  await engine?.stop();
  await other?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(otherDir, { recursive: true, force: true });
});

describe("hostile agents", () => {
  it("without credentials: a plaintext client and a TLS client without a certificate are refused, no session appears", async () => {
    const before = ribSnapshot();
    const plain = rawSession(grpc.credentials.createInsecure(), { name: "intruder", address: "127.0.31.9" });
    const p = await plain.status;
    expect(p.code).toBe(grpc.status.UNAVAILABLE); // the agent port speaks TLS only
    plain.close();
    const noCert = rawSession(grpc.credentials.createSsl(Buffer.from(engine.trust.caPem), null, null, { checkServerIdentity: () => undefined }), { name: "compute-2", address: "127.0.31.2" });
    const n = await noCert.status;
    expect(n.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(n.details).toMatch(/no client certificate/);
    expect(noCert.messages).toEqual([]); // not even a hello_ack
    noCert.close();
    expect(engine.control.agents.has("intruder")).toBe(false);
    expect(engine.control.agents.get("compute-2")!.state).toBe("Up");
    expect(ribSnapshot()).toEqual(before);
  });

  it("with a certificate of another Weft CA: refused at the handshake's check", async () => {
    other = await Engine.start({ dataDir: otherDir, agentHost: "127.0.31.101", agentPort: 0 });
    const t = await other.trust.issueLocalToken("compute-2", "127.0.31.2");
    const foreign = await enrol(`127.0.31.101:${other.control.listenPort}`, "compute-2", t);
    // the foreign CA's certificate with this CA as trust anchor for the server
    const s = rawSession(mtls({ ...foreign, ca: engine.trust.caPem }), { name: "compute-2", address: "127.0.31.2" });
    const st = await s.status;
    // the TLS layer checks the chain against the Weft CA: the connection is dropped (or, had it
    // passed, the Session call would say UNAUTHENTICATED); either way no hello is ever answered
    expect([grpc.status.UNAVAILABLE, grpc.status.UNAUTHENTICATED]).toContain(st.code);
    expect(s.messages).toEqual([]);
    s.close();
    expect(engine.control.agents.get("compute-2")!.state).toBe("Up");
    // a token of the other CA does not enrol here either (its CA pin differs)
    const t2 = await other.trust.issueLocalToken("compute-2", "127.0.31.2");
    await expect(enrol(control, "compute-2", t2)).rejects.toThrow(/pin/);
  });

  it("with another node's certificate: it cannot claim another name, and the real node stays", async () => {
    const s2 = engine.control.agents.get("compute-2")!;
    const connectedAt = s2.connectedAt;
    const s = rawSession(mtls(mallory), { name: "compute-2", address: "127.0.31.2" });
    const st = await s.status;
    expect(st.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(st.details).toMatch(/compute-3's: it cannot connect as "compute-2"/);
    s.close();
    expect(s2.state).toBe("Up");
    expect(s2.connectedAt).toBe(connectedAt);
    expect(logs.some((l) => l.includes('certificate of compute-3 used to claim the name "compute-2"'))).toBe(true);
    // nor under its own name with another node's address
    const s3 = rawSession(mtls(mallory), { name: "compute-3", address: "127.0.31.2" });
    expect((await s3.status).code).toBe(grpc.status.PERMISSION_DENIED);
    s3.close();
  });

  it("with a valid certificate, announcing another node's address: refused, nothing in any RIB or FIB", async () => {
    const rib = ribSnapshot();
    const fib1 = fibOf("compute-1");
    const fib2 = fibOf("compute-2");
    const s = rawSession(mtls(mallory), { name: "compute-3", address: MALLORY.address });
    await until("mallory's session up", () => s.messages.some((m) => m.msg === "hello_ack"));
    const nh = { address: MALLORY.address, label: 99, vni: 0, encapsulations: ["MPLSoUDP"], node: "compute-3", data_port: 9 };
    s.stream.write({
      routes: {
        add: [
          { vrf: vrfOf(red), prefix: `${b.address}/32`, next_hops: [nh], port_uuid: b.port.uuid }, // b lives on compute-2
          { vrf: vrfOf(red), prefix: `${a.address}/32`, next_hops: [nh] }, // a lives on compute-1
          { vrf: vrfOf(red), prefix: "10.31.0.0/24", next_hops: [nh] }, // the whole subnet
          { vrf: vrfOf(red), prefix: "0.0.0.0/0", next_hops: [nh] },
        ],
        delete: [{ vrf: vrfOf(red), prefix: `${b.address}/32` }], // and withdraw compute-2's (names only its own source)
      },
    });
    s.stream.write({ subscribe: { vrfs: [vrfOf(red)] } });
    s.stream.write({ end_of_rib: { vrf: "" } });
    await until("refusals counted", () => engine.control.agents.get("compute-3")?.refusedRoutes === 4);
    await new Promise((r) => setTimeout(r, 300)); // a flush of route changes would have gone out by now
    expect(ribSnapshot()).toEqual(rib);
    expect(engine.control.rib.countOf("agent:compute-3")).toBe(0);
    expect(fibOf("compute-1")).toEqual(fib1);
    expect(fibOf("compute-2")).toEqual(fib2);
    expect(logs.some((l) => l.includes(`compute node compute-3: route ${b.address}/32 in ${vrfOf(red)} refused (not bound to this node in the config)`))).toBe(true);
    const view = computeNodes(engine).find((n) => n.name === "compute-3")!;
    expect(view.refusedRoutes).toBe(4);
    expect(view.refusals.some((r) => r.what.includes(`${b.address}/32`))).toBe(true);
    // traffic from a still reaches compute-2, not mallory
    const r = await agents.get("compute-1")!.inject(a.port.uuid, { protocol: 17, src: a.address, dst: b.address, srcPort: 5000, dstPort: 53 });
    expect(r.verdict, r.reason).toBe("delivered");
    expect(r.hops.some((h) => h.node === "compute-2" && h.step === "deliver")).toBe(true);
    s.close();
  });

  it("forging flow records for ports not on its node: refused, nothing in the flow store", async () => {
    const s = rawSession(mtls(mallory), { name: "compute-3", address: MALLORY.address });
    await until("mallory's session up", () => engine.control.agents.get("compute-3")?.state === "Up" && s.messages.some((m) => m.msg === "hello_ack"));
    const t = Date.now();
    const rec = (over: object) => ({
      flow_id: `forged-${Math.random()}`,
      start_ms: t,
      end_ms: t,
      vrf: vrfOf(red),
      protocol: 6,
      src_ip: a.address,
      dst_ip: b.address,
      src_port: 31337,
      dst_port: 443,
      direction: "egress",
      action: "pass",
      packets: 1000,
      bytes: 1_000_000,
      first: true,
      status: "active",
      ...over,
    });
    s.stream.write({
      flow_records: {
        node: "compute-1", // the batch's own claim is ignored: the session's identity counts
        seq: 1,
        records: [rec({ src_vmi: a.port.uuid }), rec({ dst_vmi: b.port.uuid, direction: "ingress" }), rec({ vrf: "default-domain:other:vn:vn" })],
        interval_ms: 1000,
      },
    });
    await until("flow records refused", () => engine.control.agents.get("compute-3")?.refusedFlowRecords === 3);
    await engine.analytics.collector.flush();
    const rows = await engine.analytics.records({ from: t - 60_000, to: Date.now() + 60_000, filter: "src_port = 31337" });
    expect(rows.rows).toEqual([]);
    expect((await engine.analytics.records({ from: t - 60_000, to: Date.now() + 60_000, filter: "node = compute-3" })).rows).toEqual([]);
    expect(logs.some((l) => l.includes("compute node compute-3: 3 flow record(s) refused"))).toBe(true);
    s.close();
  });

  it("a second session under one identity is refused while the first is alive, and replaces it once it has gone silent", async () => {
    await until("mallory's earlier sessions gone", () => engine.control.agents.get("compute-3")?.state !== "Up");
    const first = rawSession(mtls(mallory), { name: "compute-3", address: MALLORY.address, boot_id: "boot-first" });
    await until("first session up", () => engine.control.agents.get("compute-3")?.state === "Up" && first.messages.some((m) => m.msg === "hello_ack"));
    const s = engine.control.agents.get("compute-3")!;
    const second = rawSession(mtls(mallory), { name: "compute-3", address: MALLORY.address, boot_id: "boot-second" });
    const st = await second.status;
    expect(st.code).toBe(grpc.status.ALREADY_EXISTS);
    second.close();
    expect(s.state).toBe("Up");
    expect(s.duplicate?.outcome).toBe("refused");
    expect(logs.some((l) => l.includes("compute node compute-3: second session from") && l.includes("refused"))).toBe(true);
    const view = computeNodes(engine).find((n) => n.name === "compute-3")!;
    expect(view.duplicateSession).toMatchObject({ outcome: "refused" });
    expect(view.state).toBe("Up");

    // the first goes silent (a half-dead connection): past two keepalive intervals a newcomer replaces it
    first.stream.write({ keepalive: { sent_at_ms: Date.now() } });
    await new Promise((r) => setTimeout(r, ((HOLD * 1000) / 3) * 2 + 300));
    const third = rawSession(mtls(mallory), { name: "compute-3", address: MALLORY.address, boot_id: "boot-third" });
    await until("third session up", () => third.messages.some((m) => m.msg === "hello_ack"));
    const firstEnd = await first.status;
    expect(firstEnd.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(s.duplicate?.outcome).toBe("replaced");
    expect(s.duplicates).toBe(2);
    expect(logs.some((l) => l.includes("compute node compute-3: session from") && l.includes("replaced by a new one"))).toBe(true);
    // and a silent session is closed by the hold timer (ghosts go away)
    const t0 = Date.now();
    await until("silent session closed", async () => (await Promise.race([third.status, new Promise((r) => setTimeout(() => r(null), 50))])) as { code: number } | null, HOLD * 1000 + 5000);
    expect(Date.now() - t0).toBeGreaterThan(0);
    expect(s.state).toBe("Down");
    first.close();
    third.close();
  }, 60_000);

  it("tokens: single use, expiring, for one node, admins only, audited", async () => {
    const vr = engine.trust.virtualRouter(MALLORY.name)!;
    const t = await engine.trust.issueToken(vr.uuid, ADMIN, 60);
    const c = await enrol(control, MALLORY.name, t.token);
    expect(c.cert).toMatch(/BEGIN CERTIFICATE/);
    // a second use is refused
    await expect(enrol(control, MALLORY.name, t.token)).rejects.toThrow(/already used/);
    // for another node's name
    const t2 = await engine.trust.issueToken(vr.uuid, ADMIN, 60);
    await expect(enrol(control, "compute-2", t2.token)).rejects.toThrow(/the token is for compute node compute-3, not compute-2/);
    // expired
    const t3 = await engine.trust.issueToken(vr.uuid, ADMIN, 60);
    await engine.db.agentEnrolmentToken.update({ where: { id: t3.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(enrol(control, MALLORY.name, t3.token)).rejects.toThrow(/expired/);
    // a forged secret
    const forged = t2.token.split(".");
    forged[2] = "A".repeat(forged[2].length);
    await expect(enrol(control, MALLORY.name, forged.join("."))).rejects.toThrow(/unknown token/);
    // admins only
    await expect(engine.trust.issueToken(vr.uuid, { ...ADMIN, role: "operator", email: "op@test" })).rejects.toThrow(/only an admin/);
    // re-enrolment revoked the certificate mallory used until now: refused at once
    const s = rawSession(mtls(mallory), { name: "compute-3", address: MALLORY.address });
    const st = await s.status;
    expect(st.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(st.details).toMatch(/revoked/);
    s.close();
    // audited: issue, enrol, refusals
    const audit = await engine.db.auditEntry.findMany({ where: { objectType: "virtual-router" } });
    const actions = audit.map((e) => e.action);
    expect(actions).toContain("enrolment-token");
    expect(actions).toContain("enrol");
    expect(actions.filter((x) => x === "enrol-refused").length).toBeGreaterThanOrEqual(4);
    // the data directory's CA: files 0600 in a 0700 directory
    expect(fs.statSync(`${dir}/ca`).mode & 0o777).toBe(0o700);
    for (const f of fs.readdirSync(`${dir}/ca`)) expect(fs.statSync(`${dir}/ca/${f}`).mode & 0o777).toBe(0o600);
  });

  it("deleting a virtual-router revokes its certificate and ends its session", async () => {
    const vr = engine.trust.virtualRouter(MALLORY.name)!;
    const c = await enrol(control, MALLORY.name, (await engine.trust.issueToken(vr.uuid, ADMIN)).token);
    const s = rawSession(mtls(c), { name: "compute-3", address: MALLORY.address });
    await until("session up", () => s.messages.some((m) => m.msg === "hello_ack"));
    await engine.config.delete("virtual-router", vr.uuid, ADMIN);
    const st = await s.status;
    expect(st.code).toBe(grpc.status.UNAUTHENTICATED);
    s.close();
    const again = rawSession(mtls(c), { name: "compute-3", address: MALLORY.address });
    expect((await again.status).code).toBe(grpc.status.UNAUTHENTICATED);
    again.close();
  });
});
