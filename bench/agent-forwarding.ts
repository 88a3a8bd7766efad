// Packets per second through one agent's pipeline (the sim data plane), flow setup (every
// packet a new 5-tuple: ACLs run, flow + reverse flow installed) and established flows (flow
// hit only) measured apart, for local delivery and for remote delivery over real UDP to a
// second agent on loopback. Both agents run offline (fed control messages directly) in this
// one process, so "remote" figures include the receiver's work on the same thread.
//   npx tsx bench/agent-forwarding.ts [--packets 200000] [--flows 1000]
import { performance } from "node:perf_hooks";
import type { Acl, AclEntry } from "../server/engine/protocol/index.ts";
import { type AgentHandle, startAgent } from "../server/engine/agent/main.ts";
import type { Tuple } from "../server/engine/agent/packet.ts";
import { machine, percentile, printTable, type Row, writeResult } from "./lib";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const PACKETS = arg("packets", 200_000);
const FLOWS = arg("flows", 1_000);
const VRF = "default-domain:bench:vn:vn";
const any = [{ start: -1, end: -1 }];

// A realistic security group: a few specific rules before the one that matches.
function sg(): Acl {
  const entries: AclEntry[] = [];
  for (let i = 0; i < 8; i++)
    entries.push({ rule_uuid: `deny-${i}`, action: "deny", protocol: "tcp", src: [`192.0.2.${i}/32`], dst: ["0.0.0.0/0"], src_ports: any, dst_ports: [{ start: 1000 + i, end: 1000 + i }], direction: "ingress", origin: "security-group bench" });
  entries.push({ rule_uuid: "allow-in", action: "pass", protocol: "any", src: ["10.5.0.0/16"], dst: ["0.0.0.0/0"], src_ports: any, dst_ports: any, direction: "ingress", origin: "security-group bench" });
  entries.push({ rule_uuid: "allow-out", action: "pass", protocol: "any", src: ["0.0.0.0/0"], dst: ["0.0.0.0/0"], src_ports: any, dst_ports: any, direction: "egress", origin: "security-group bench" });
  return { name: "sg:bench", entries, default_action: "deny", why: [] };
}

const port = (uuid: string, address: string) => ({
  uuid,
  fq_name: `default-domain:bench:${uuid}`,
  vrf: VRF,
  network_uuid: "n",
  network_fq_name: "default-domain:bench:vn",
  mac: "",
  addresses: [address],
  acls: ["sg:bench"],
  network_acl: "",
  floating_ips: [],
});

function feed(a: AgentHandle, ports: ReturnType<typeof port>[]) {
  a.apply({ msg: "vrfs", vrfs: { add: [{ name: VRF, network_uuid: "n", network_fq_name: "default-domain:bench:vn", network_id: 5, vxlan_id: 5, import_route_targets: [], export_route_targets: [] }], delete: [] } });
  a.apply({ msg: "acls", acls: { set: [sg()], delete: [] } });
  a.apply({ msg: "ports", ports: { add: ports, delete: [] } });
}

/** n distinct 5-tuples from 10.5.0.1 to dst. */
function tuples(n: number, dst: string, salt: number): Tuple[] {
  const out: Tuple[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { protocol: 6, src: "10.5.0.1", dst, srcPort: 1024 + (i % 60_000), dstPort: 2000 + Math.floor(i / 60_000) + salt * 100 };
  return out;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

async function main() {
  const a = await startAgent({ name: "bench-a", address: "127.0.2.101", dataPort: 0, log: false, maxFlows: 4 * PACKETS });
  const b = await startAgent({ name: "bench-b", address: "127.0.2.102", dataPort: 0, log: false, maxFlows: 4 * PACKETS });
  feed(a, [port("pa", "10.5.0.1"), port("pl", "10.5.0.2")]);
  feed(b, [port("pb", "10.5.0.3")]);
  const label = b.state.labels.peek("pb")!;
  a.apply({ msg: "routes", routes: { add: [{ vrf: VRF, prefix: "10.5.0.3/32", next_hops: [{ address: b.address, label, vni: 5, encapsulations: ["MPLSoGRE", "MPLSoUDP", "VXLAN"], node: "bench-b", data_port: b.dataPort }], source: "agent:bench-b", why: [], port_uuid: "pb" }], delete: [] } });

  const figures: Record<string, number> = {};

  // ---- local delivery
  const local = (ts: Tuple[]) => {
    const t0 = performance.now();
    let ok = 0;
    for (const t of ts) if (a.forward("pa", t).verdict === "delivered") ok++;
    const s = (performance.now() - t0) / 1000;
    if (ok !== ts.length) throw new Error(`local: ${ts.length - ok} packets not delivered`);
    return ts.length / s;
  };
  // Warm-up (JIT) on throw-away flows, then measure on fresh ones.
  local(tuples(20_000, "10.5.0.2", 9));
  a.dataplane.flushFlows();
  figures.localFirstPacketPps = local(tuples(PACKETS, "10.5.0.2", 0));
  a.dataplane.flushFlows();
  const est = tuples(FLOWS, "10.5.0.2", 1);
  local(est); // set the flows up
  const estPackets: Tuple[] = new Array(PACKETS);
  for (let i = 0; i < PACKETS; i++) estPackets[i] = est[i % FLOWS];
  figures.localEstablishedPps = local(estPackets);

  // ---- remote over UDP (fire and forget; count what the receiver delivered). Both agents
  // share this thread, so the sender keeps at most WINDOW packets unreceived (like a NIC ring):
  // without it the kernel's socket buffer overflows and the figure would measure loss, not work.
  const WINDOW = 128;
  const remote = async (ts: Tuple[]) => {
    const rx = () => b.status().dataplane.packetsForwarded + b.status().dataplane.packetsDropped;
    const before = rx();
    const t0 = performance.now();
    let stalled = 0;
    for (let i = 0; i < ts.length; i++) {
      const v = a.forward("pa", ts[i]).verdict;
      if (v !== "sent") throw new Error(`remote: ${v}`);
      while (i + 1 - (rx() - before) >= WINDOW) {
        const seen = rx();
        await tick();
        // A datagram the kernel dropped never arrives: move on after a few idle turns.
        if (rx() === seen && ++stalled % 64 === 0) break;
      }
    }
    const until = Date.now() + 2_000;
    let last = rx();
    let lastAt = performance.now();
    while (rx() - before < ts.length && Date.now() < until) {
      await tick();
      if (rx() !== last) {
        last = rx();
        lastAt = performance.now();
      }
    }
    const received = rx() - before;
    const s = (Math.max(lastAt, t0) - t0) / 1000;
    return { deliveredPps: received / s, lossPct: (100 * (ts.length - received)) / ts.length };
  };
  a.dataplane.flushFlows();
  b.dataplane.flushFlows();
  const rf = await remote(tuples(PACKETS, "10.5.0.3", 2));
  figures.remoteFirstPacketPps = rf.deliveredPps;
  figures.remoteFirstPacketLossPct = rf.lossPct;
  const rest = tuples(FLOWS, "10.5.0.3", 3);
  await remote(rest);
  const restPackets: Tuple[] = new Array(PACKETS);
  for (let i = 0; i < PACKETS; i++) restPackets[i] = rest[i % FLOWS];
  const re = await remote(restPackets);
  figures.remoteEstablishedPps = re.deliveredPps;
  figures.remoteEstablishedLossPct = re.lossPct;

  // ---- remote, waiting for the receiver's answer (the trace path: hops on both sides)
  const rtt: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const t0 = performance.now();
    const r = await a.inject("pa", rest[i % FLOWS]);
    if (r.verdict !== "delivered") throw new Error(`inject: ${r.verdict} ${r.reason}`);
    rtt.push(performance.now() - t0);
  }
  figures.tracedRoundTripP50Ms = percentile(rtt, 50);
  figures.tracedRoundTripP99Ms = percentile(rtt, 99);
  const window = 64;
  const n = 20_000;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < n) {
        const i = next++;
        const r = await a.inject("pa", rest[i % FLOWS]);
        if (r.verdict !== "delivered") throw new Error(`inject: ${r.verdict} ${r.reason}`);
      }
    }),
  );
  figures.tracedPps = n / ((performance.now() - t0) / 1000);

  await Promise.all([a.stop(), b.stop()]);

  const rows: Row[] = [
    { metric: "local delivery, first packet (flow setup)", value: figures.localFirstPacketPps, unit: "pkt/s" },
    { metric: "local delivery, established flow", value: figures.localEstablishedPps, unit: "pkt/s" },
    { metric: "remote via UDP, first packet (flow setup both ends)", value: figures.remoteFirstPacketPps, unit: "pkt/s" },
    { metric: "remote via UDP, first packet: loss", value: figures.remoteFirstPacketLossPct, unit: "%" },
    { metric: "remote via UDP, established flow", value: figures.remoteEstablishedPps, unit: "pkt/s" },
    { metric: "remote via UDP, established flow: loss", value: figures.remoteEstablishedLossPct, unit: "%" },
    { metric: "remote traced (answer + hops), 64 in flight", value: figures.tracedPps, unit: "pkt/s" },
    { metric: "remote traced round trip p50", value: figures.tracedRoundTripP50Ms, unit: "ms" },
    { metric: "remote traced round trip p99", value: figures.tracedRoundTripP99Ms, unit: "ms" },
  ];
  printTable(`agent forwarding (sim data plane, ${PACKETS} packets per run, ${FLOWS} established flows, ${machine().cores} cores)`, rows);
  const file = writeResult("agent-forwarding", { params: { packets: PACKETS, flows: FLOWS, aclEntries: sg().entries.length }, figures });
  console.log(`\nwrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
