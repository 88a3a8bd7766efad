import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { NextHop, Route } from "../../server/engine/protocol/index.ts";
import { Fib, VrfFib } from "../../server/engine/agent/fib.ts";
import { formatIPv4, mask4 } from "../../server/engine/agent/ip.ts";

const nh = (address: string, label = 16): NextHop => ({ address, label, vni: 0, encapsulations: [], node: address, data_port: 6635 });
const route = (prefix: string, ...next_hops: NextHop[]): Route => ({ vrf: "v", prefix, next_hops, source: "test", why: [], port_uuid: "" });

describe("VrfFib: longest-prefix match", () => {
  it("picks the most specific prefix", () => {
    const t = new VrfFib("v");
    t.set("control", route("0.0.0.0/0", nh("127.0.0.9")));
    t.set("control", route("10.0.0.0/8", nh("127.0.0.8")));
    t.set("control", route("10.1.0.0/16", nh("127.0.0.16")));
    t.set("control", route("10.1.2.3/32", nh("127.0.0.32")));
    expect(t.lookup("10.1.2.3")?.prefix).toBe("10.1.2.3/32");
    expect(t.lookup("10.1.2.4")?.prefix).toBe("10.1.0.0/16");
    expect(t.lookup("10.2.0.1")?.prefix).toBe("10.0.0.0/8");
    expect(t.lookup("192.168.1.1")?.prefix).toBe("0.0.0.0/0");
    t.delete("control", "0.0.0.0/0");
    expect(t.lookup("192.168.1.1")).toBeUndefined();
  });

  it("canonicalizes prefixes (host bits, bare addresses) and replaces by prefix", () => {
    const t = new VrfFib("v");
    t.set("control", route("10.1.2.77/24", nh("127.0.0.1")));
    t.set("control", route("10.1.2.0/24", nh("127.0.0.2")));
    expect(t.size).toBe(1);
    expect(t.lookup("10.1.2.5")?.nextHops[0].address).toBe("127.0.0.2");
    t.set("local", route("10.1.2.9", nh("127.0.0.3")));
    expect(t.get("10.1.2.9/32")).toBeDefined();
  });

  it("the control node's route wins over the local one; the local one returns when it goes", () => {
    const t = new VrfFib("v");
    t.set("local", route("10.0.0.5/32", nh("127.0.1.1", 16)));
    t.set("control", route("10.0.0.5/32", nh("127.0.1.1", 16), nh("127.0.1.2", 17)));
    expect(t.lookup("10.0.0.5")?.nextHops).toHaveLength(2);
    t.delete("control", "10.0.0.5/32");
    expect(t.lookup("10.0.0.5")?.nextHops).toHaveLength(1);
  });

  it("keeps ECMP next hops in a stable order whatever order they came in", () => {
    const t = new VrfFib("v");
    t.set("control", route("10.0.0.5/32", nh("127.0.1.3"), nh("127.0.1.1"), nh("127.0.1.2")));
    expect(t.lookup("10.0.0.5")?.nextHops.map((n) => n.address)).toEqual(["127.0.1.1", "127.0.1.2", "127.0.1.3"]);
  });

  it("supports IPv6", () => {
    const t = new VrfFib("v");
    t.set("control", route("fd00::/64", nh("127.0.0.1")));
    t.set("control", route("fd00::5/128", nh("127.0.0.2")));
    expect(t.lookup("fd00::5")?.nextHops[0].address).toBe("127.0.0.2");
    expect(t.lookup("fd00::6")?.nextHops[0].address).toBe("127.0.0.1");
    expect(t.lookup("fd01::6")).toBeUndefined();
  });

  it("stale marking and sweep only touch control routes", () => {
    const t = new VrfFib("v");
    t.set("local", route("10.0.0.1/32", nh("127.0.1.1")));
    t.set("control", route("10.0.0.2/32", nh("127.0.1.2")));
    t.set("control", route("10.0.0.3/32", nh("127.0.1.3")));
    expect(t.markStale()).toBe(2);
    t.set("control", route("10.0.0.2/32", nh("127.0.1.2"))); // refreshed by the new session
    expect(t.sweepStale()).toEqual(["10.0.0.3/32"]);
    expect(t.lookup("10.0.0.1")).toBeDefined();
    expect(t.lookup("10.0.0.2")?.stale).toBe(false);
    expect(t.lookup("10.0.0.3")).toBeUndefined();
  });

  it("matches a linear scan for random tables (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 20 }),
        (prefixes, probes) => {
          const t = new VrfFib("v");
          const list: { net: number; len: number }[] = [];
          for (const [a, len] of prefixes) {
            const net = (a & mask4(len)) >>> 0;
            t.set("control", route(`${formatIPv4(net)}/${len}`, nh("127.0.0.1")));
            list.push({ net, len });
          }
          for (const p of probes) {
            let best = -1;
            for (const { net, len } of list) if (((p & mask4(len)) >>> 0) === net && len > best) best = len;
            const got = t.lookup(formatIPv4(p));
            if (best < 0) expect(got).toBeUndefined();
            else expect(got?.cidr.len).toBe(best);
          }
        },
      ),
    );
  });
});

describe("Fib", () => {
  it("keeps VRFs apart and counts routes", () => {
    const f = new Fib();
    f.ensure("a").set("control", route("10.0.0.0/24", nh("127.0.0.1")));
    f.ensure("b").set("control", route("10.0.1.0/24", nh("127.0.0.2")));
    expect(f.lookup("a", "10.0.0.1")).toBeDefined();
    expect(f.lookup("a", "10.0.1.1")).toBeUndefined();
    expect(f.lookup("b", "10.0.1.1")).toBeDefined();
    expect(f.routeCount).toBe(2);
  });
});
