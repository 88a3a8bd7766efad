// Compute nodes as network namespaces on one veth "underlay" (a bridge in its own namespace), for
// tests, benchmarks and the lab: what a rack of hosts is to the real kernel data plane. The
// addresses are outside 127/8 (192.0.2.0/24, TEST-NET-1) and exist only inside these namespaces.
import { run } from "./exec.ts";

export interface UnderlayNode {
  name: string;
  address: string;
  netns: string;
}

async function sh(args: string[]) {
  const r = await run(args[0], args.slice(1));
  if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stderr.trim()}`);
}

/** `count` node namespaces `<tag>-n<i>` on a bridge in `<tag>-ul`, node i at 192.0.2.i/24. */
export async function createUnderlay(tag: string, count: number): Promise<UnderlayNode[]> {
  await removeUnderlay(tag, count);
  const ul = `${tag}-ul`;
  await sh(["ip", "netns", "add", ul]);
  await sh(["ip", "-n", ul, "link", "add", "weftbr0", "type", "bridge"]);
  await sh(["ip", "-n", ul, "link", "set", "weftbr0", "up"]);
  const nodes: UnderlayNode[] = [];
  for (let i = 1; i <= count; i++) {
    const n = { name: `compute-${i}`, address: `192.0.2.${i}`, netns: `${tag}-n${i}` };
    await sh(["ip", "netns", "add", n.netns]);
    await sh(["ip", "-n", n.netns, "link", "set", "lo", "up"]);
    await sh(["ip", "link", "add", `weftu${i}`, "netns", ul, "type", "veth", "peer", "name", "weftu0", "netns", n.netns]);
    await sh(["ip", "-n", ul, "link", "set", `weftu${i}`, "master", "weftbr0", "up"]);
    await sh(["ip", "-n", n.netns, "addr", "add", `${n.address}/24`, "dev", "weftu0"]);
    await sh(["ip", "-n", n.netns, "link", "set", "weftu0", "up"]);
    nodes.push(n);
  }
  return nodes;
}

export async function removeUnderlay(tag: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) await run("ip", ["netns", "del", `${tag}-n${i}`]);
  await run("ip", ["netns", "del", `${tag}-ul`]);
}
