// Records what real gobgpd and bird2 send on a BGP session, as hex, one message per line, into
// tests/bgp/corpus/{gobgpd,bird}-*.hex. The other end is a minimal scripted responder (it answers
// OPEN with OPEN + KEEPALIVE and keeps the session up) so the bytes are exactly the daemon's.
//   npx tsx tests/bgp/corpus/capture-from-daemons.ts
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { encodeOpen, KEEPALIVE, MessageFramer } from "../../../server/engine/bgp/wire";
import { Bird, Gobgpd, sleep, waitFor } from "../daemons";

const here = path.dirname(fileURLToPath(import.meta.url));

interface Responder {
  messages: Buffer[];
  close(): Promise<void>;
}

function responder(address: string, port: number, asn: number): Promise<Responder> {
  const messages: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    const framer = new MessageFramer();
    let timer: NodeJS.Timeout | null = null;
    sock.on("data", (chunk) => {
      framer.push(chunk, (b, off, len) => {
        const m = Buffer.from(b.subarray(off, off + len));
        messages.push(m);
        if (m[18] === 1) {
          sock.write(
            encodeOpen({
              asn,
              holdTime: 90,
              routerId: address,
              capabilities: [
                { kind: "multiprotocol", afi: 1, safi: 1 },
                { kind: "multiprotocol", afi: 1, safi: 128 },
                { kind: "route-refresh" },
                { kind: "four-octet-as", asn },
              ],
            }),
          );
          sock.write(KEEPALIVE);
          timer = setInterval(() => sock.write(KEEPALIVE), 10_000);
        }
      });
    });
    sock.on("error", () => {});
    sock.on("close", () => {
      if (timer) clearInterval(timer);
      sockets.delete(sock);
    });
  });
  return new Promise((resolve) =>
    server.listen(port, address, () =>
      resolve({
        messages,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}

function save(name: string, what: string, messages: Buffer[]) {
  const file = path.join(here, name);
  const lines = [`# ${what}`, "# one BGP message per line, hex, header included", ...messages.map((m) => m.toString("hex"))];
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  console.log(`wrote ${file}: ${messages.length} messages`);
}

async function captureGobgpd() {
  const us = { address: "127.0.0.51", port: 10179, asn: 64512 };
  const r = await responder(us.address, us.port, us.asn);
  const g = new Gobgpd({ asn: 65001, routerId: "127.0.0.50", port: 10179, apiPort: 50151, neighbors: [{ address: us.address, peerAs: us.asn, remotePort: us.port }] });
  await g.start();
  try {
    await waitFor("gobgpd Established", () => g.established(us.address));
    const add = (args: string) => g.cli(args.split(/\s+/));
    await add("global rib -a vpnv4 add 10.1.1.0/24 label 100 rd 64512:1 rt 64512:8000001 nexthop 127.0.0.50");
    await add("global rib -a vpnv4 add 10.1.2.0/24 label 101 rd 10.0.0.1:7 rt 64512:8000001 rt 64512:8000002 encap gre nexthop 127.0.0.50 med 20");
    await add("global rib -a vpnv4 add 10.1.3.0/25 label 102 rd 4200000000:9 rt 10.0.0.1:33 encap mpls-in-udp nexthop 127.0.0.50 community 65000:100 community no-export");
    await add("global rib -a vpnv4 add 10.1.4.0/24 label 103 rd 64512:1 rt 4200000000:44 encap vxlan nexthop 127.0.0.50 large-community 65000:1:2");
    await add("global rib -a ipv4 add 198.51.100.0/24 nexthop 192.0.2.1 med 10 community 65000:200 aspath 65010,65020 origin egp");
    await add("global rib -a ipv4 add 203.0.113.128/25 nexthop 192.0.2.1 local-pref 300");
    await add("global rib -a ipv4 add 0.0.0.0/0 nexthop 192.0.2.1");
    await sleep(1500);
    await add("global rib -a vpnv4 del 10.1.1.0/24 label 100 rd 64512:1");
    await add("global rib -a ipv4 del 203.0.113.128/25");
    await sleep(1500);
    await g.cli(["neighbor", us.address, "shutdown", "--reason", "weft capture: maintenance"]);
    await sleep(1000);
    save("gobgpd-session.hex", "gobgpd 3.10.0 (AS 65001, 127.0.0.50) to AS 64512: OPEN, vpnv4 + ipv4 UPDATEs, withdrawals, End-of-RIB, Cease shutdown", r.messages);
  } finally {
    await g.stop();
    await r.close();
  }

  // wrong ASN: gobgpd expects AS 64512, we open with 64999
  const bad = await responder(us.address, us.port, 64999);
  const g2 = new Gobgpd({ asn: 65001, routerId: "127.0.0.50", port: 10179, apiPort: 50151, neighbors: [{ address: us.address, peerAs: us.asn, remotePort: us.port }] });
  await g2.start();
  try {
    await waitFor("gobgpd NOTIFICATION", () => bad.messages.some((m) => m[18] === 3));
    save("gobgpd-bad-peer-as.hex", "gobgpd 3.10.0: OPEN, then NOTIFICATION OPEN Message Error / Bad Peer AS (we opened as AS 64999, it expects 64512)", bad.messages.slice(0, 2));
  } finally {
    await g2.stop();
    await bad.close();
  }
}

async function captureBird() {
  const us = { address: "127.0.0.53", port: 10179, asn: 64512 };
  const r = await responder(us.address, us.port, us.asn);
  const b = new Bird({
    routerId: "127.0.0.52",
    asn: 65100,
    port: 10179,
    neighbor: { address: us.address, port: us.port, asn: us.asn },
    extra: `
protocol static s4 {
  ipv4;
  route 198.51.100.0/24 unreachable { bgp_med = 50; bgp_community.add((65100, 7)); bgp_large_community.add((65100, 1, 2)); };
  route 192.0.2.0/25 unreachable;
}
protocol static sv {
  vpn4 { table vpntab4; };
  route 64512:5 10.9.0.0/16 via "lo" mpls 300 { bgp_ext_community.add((rt, 64512, 8000005)); };
  route 10.0.0.9:3 10.9.1.0/24 unreachable { bgp_ext_community.add((rt, 10.0.0.9, 3)); };
}`,
  });
  await b.start();
  try {
    await waitFor("bird Established", () => b.established(), 30_000);
    await sleep(2000);
    await b.birdc(["disable", "weft", JSON.stringify("weft capture: maintenance")]);
    await sleep(1000);
    save("bird-session.hex", "bird 2.0.12 (AS 65100, 127.0.0.52) to AS 64512: OPEN, ipv4 + vpn4 UPDATEs, End-of-RIB, Cease shutdown", r.messages);
    console.log(b.log.slice(-2000));
  } finally {
    await b.stop();
    await r.close();
  }
}

await captureGobgpd();
await captureBird();
