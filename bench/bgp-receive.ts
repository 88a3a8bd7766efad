// Receive 100,000 vpnv4 routes from a gobgpd "injector" into (a) our speaker (own process) and
// (b) a second gobgpd, one after the other; measure the time from Established until every route
// is in the receiver's RIB, and the receiver's RSS. The injector is loaded over BGP by a loader
// speaker (our library in this process): 100 VRFs × 1,000 prefixes, one RD and one route target
// per VRF, a label per route. Loopback only: 127.0.0.60–63, BGP port 10179, gobgp API 50171/50173.
//   npx tsx bench/bgp-receive.ts [--routes 100000]
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BgpSpeaker, type Route } from "../server/engine/bgp";
import { Gobgpd, gobgpMissing, rssOf, sleep, waitFor } from "../tests/bgp/daemons";
import { printTable, writeResult } from "./lib";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUTES = arg("routes", 100_000);
const PORT = 10179;
const LOADER = { address: "127.0.0.60", asn: 64600 };
const INJ = { address: "127.0.0.61", asn: 65001, api: 50171 };
const OURS = { address: "127.0.0.62", asn: 64512 };
const TGT = { address: "127.0.0.63", asn: 64513, api: 50173 };
const MB = 1024 * 1024;

// ---- child: our speaker as the receiver --------------------------------------------------
if (process.argv.includes("--child")) {
  const send = (m: unknown) => process.send!(m);
  const sp = new BgpSpeaker({ asn: OURS.asn, routerId: OURS.address, listen: { address: OURS.address, port: PORT }, connectRetryTime: 1, maxConnectRetryTime: 1 });
  sp.addPeer({ address: INJ.address, remoteAsn: INJ.asn, port: PORT });
  let establishedAt = 0;
  let count = 0;
  let done = false;
  sp.on("peer-state", (e) => {
    if (e.to === "Established") establishedAt = performance.timeOrigin + performance.now();
  });
  sp.on("paths", (e) => {
    count += e.announced.length - e.withdrawn.length;
    if (!done && count >= ROUTES) {
      done = true;
      const at = performance.timeOrigin + performance.now();
      setTimeout(() => {
        const st = sp.peer(INJ.address)!;
        const rssBeforeGc = process.memoryUsage().rss;
        (globalThis as { gc?: () => void }).gc?.();
        const mu = process.memoryUsage();
        send({ type: "done", establishedAt, at, ribSize: sp.adjRibIn(INJ.address, "l3vpn-ipv4-unicast").size, updates: st.messages.updatesIn, rss: rssBeforeGc, rssAfterGc: mu.rss, heapUsed: mu.heapUsed });
      }, 200);
    }
  });
  await sp.start();
  send({ type: "ready", rss: process.memoryUsage().rss });
  process.on("message", async (m) => {
    if (m === "stop") {
      await sp.stop();
      process.exit(0);
    }
  });
} else {
  await main();
}

function routes(): Route[] {
  const out: Route[] = [];
  const perVrf = Math.ceil(ROUTES / 100);
  for (let v = 0; v < 100 && out.length < ROUTES; v++) {
    const attrs = { extendedCommunities: [`target:${LOADER.asn}:${8000000 + v}`, "encapsulation:udp"] };
    for (let i = 0; i < perVrf && out.length < ROUTES; i++) {
      out.push({ prefix: `10.${(i >> 8) & 255}.${i & 255}.0/24`, rd: `${LOADER.asn}:${v + 1}`, labels: [16 + out.length], nextHop: LOADER.address, attrs });
    }
  }
  return out;
}

async function ribCount(g: Gobgpd): Promise<number> {
  const out = await g.cli(["global", "rib", "summary", "-a", "vpnv4"]);
  const m = /Destination:\s*(\d+)/.exec(out);
  return m ? Number(m[1]) : 0;
}

async function main() {
  const missing = gobgpMissing();
  if (missing) {
    console.error(`bgp-receive: ${missing}`);
    process.exit(2);
  }
  const inj = new Gobgpd({
    asn: INJ.asn,
    routerId: INJ.address,
    port: PORT,
    apiPort: INJ.api,
    logLevel: "warn",
    neighbors: [
      { address: LOADER.address, peerAs: LOADER.asn, remotePort: PORT, families: ["l3vpn-ipv4-unicast"] },
      { address: OURS.address, peerAs: OURS.asn, remotePort: PORT, families: ["l3vpn-ipv4-unicast"], passive: true },
      { address: TGT.address, peerAs: TGT.asn, remotePort: PORT, families: ["l3vpn-ipv4-unicast"], passive: true },
    ],
  });
  const tgt = new Gobgpd({ asn: TGT.asn, routerId: TGT.address, port: PORT, apiPort: TGT.api, logLevel: "warn", neighbors: [{ address: INJ.address, peerAs: INJ.asn, remotePort: PORT, families: ["l3vpn-ipv4-unicast"] }] });
  const loader = new BgpSpeaker({ asn: LOADER.asn, routerId: LOADER.address, listen: { address: LOADER.address, port: PORT }, families: ["l3vpn-ipv4-unicast"], connectRetryTime: 1 });
  try {
    await inj.start();
    loader.addPeer({ address: INJ.address, remoteAsn: INJ.asn, port: PORT });
    await loader.start();
    const rs = routes();
    const a = loader.announce("l3vpn-ipv4-unicast", rs);
    if (a.rejected.length) throw new Error(`rejected: ${a.rejected[0].reason}`);
    const tLoad = Date.now();
    await waitFor("injector loaded", async () => (await ribCount(inj)) >= ROUTES, 300_000, 500);
    console.log(`injector gobgpd loaded with ${ROUTES} vpnv4 routes in ${((Date.now() - tLoad) / 1000).toFixed(1)} s (over BGP from the loader)`);
    const injRss = rssOf(inj.pid!);

    // (a) our speaker in its own process
    const child = fork(fileURLToPath(import.meta.url), ["--child", "--routes", String(ROUTES)], { execArgv: ["--import", "tsx", "--expose-gc"], stdio: "inherit" });
    const msgs: Record<string, unknown>[] = [];
    child.on("message", (m) => msgs.push(m as Record<string, unknown>));
    await waitFor("child ready", () => msgs.find((m) => m.type === "ready"), 30_000, 50);
    const tStartOurs = Date.now();
    const ours = await waitFor("our speaker has every route", () => msgs.find((m) => m.type === "done"), 300_000, 50);
    const oursIdleRss = msgs.find((m) => m.type === "ready")!.rss as number;
    child.send("stop");
    await new Promise((r) => child.once("exit", r));

    // (b) a second gobgpd
    await tgt.start();
    const tgtIdleRss = rssOf(tgt.pid!);
    const tStartTgt = Date.now();
    const established = await waitFor("target gobgpd Established", async () => ((await tgt.established(INJ.address)) ? Date.now() : 0), 60_000, 20);
    let doneAt = 0;
    await waitFor(
      "target gobgpd has every route",
      async () => {
        if ((await ribCount(tgt)) >= ROUTES) doneAt = Date.now();
        return doneAt;
      },
      300_000,
      100,
    );
    await sleep(200);
    const tgtRss = rssOf(tgt.pid!);

    const oursSecs = ((ours.at as number) - (ours.establishedAt as number)) / 1000;
    const tgtSecs = (doneAt - established) / 1000;
    const rows = [
      { metric: "routes (vpnv4)", value: ROUTES },
      { metric: "ours: Established → all in Adj-RIB-In", value: oursSecs, unit: "s", goal: `≤ gobgpd (${tgtSecs.toFixed(2)} s)`, ok: oursSecs <= tgtSecs },
      { metric: "gobgpd: Established → all in RIB", value: tgtSecs, unit: "s", goal: "(±0.1 s: polled)" },
      { metric: "ours: routes/s", value: Math.round(ROUTES / oursSecs), unit: "/s" },
      { metric: "gobgpd: routes/s", value: Math.round(ROUTES / tgtSecs), unit: "/s" },
      { metric: "ours: UPDATEs received", value: ours.updates as number },
      { metric: "ours: RSS with all routes", value: Math.round((ours.rss as number) / MB), unit: "MiB", goal: `< gobgpd (${Math.round(tgtRss / MB)} MiB)`, ok: (ours.rss as number) < tgtRss },
      { metric: "ours: RSS after GC", value: Math.round((ours.rssAfterGc as number) / MB), unit: "MiB" },
      { metric: "ours: JS heap used", value: Math.round((ours.heapUsed as number) / MB), unit: "MiB" },
      { metric: "ours: RSS idle (before routes)", value: Math.round(oursIdleRss / MB), unit: "MiB" },
      { metric: "gobgpd: RSS with all routes", value: Math.round(tgtRss / MB), unit: "MiB" },
      { metric: "gobgpd: RSS idle (before routes)", value: Math.round(tgtIdleRss / MB), unit: "MiB" },
      { metric: "injector gobgpd RSS", value: Math.round(injRss / MB), unit: "MiB" },
      { metric: "ours: process start → all (incl. tsx start)", value: ((ours.at as number) - tStartOurs) / 1000, unit: "s" },
      { metric: "gobgpd: process start → all", value: (doneAt - tStartTgt) / 1000, unit: "s" },
    ];
    printTable(`Receive ${ROUTES} vpnv4 routes from gobgpd`, rows);
    const file = writeResult("bgp-receive", {
      routes: ROUTES,
      ours: { seconds: oursSecs, rssBytes: ours.rss, rssAfterGcBytes: ours.rssAfterGc, heapUsedBytes: ours.heapUsed, idleRssBytes: oursIdleRss, updates: ours.updates, ribSize: ours.ribSize },
      gobgpd: { seconds: tgtSecs, rssBytes: tgtRss, idleRssBytes: tgtIdleRss, pollIntervalMs: 100 },
      injectorRssBytes: injRss,
      rows,
    });
    console.log(`\nwrote ${file}`);
  } finally {
    await loader.stop();
    await tgt.stop();
    await inj.stop();
  }
}
