import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NetworkAllocator } from "../../server/engine/ipam/allocator";
import { normalizeIpamSubnet, type SubnetPlan } from "../../server/engine/ipam/subnet";
import { WeftError } from "../../server/engine/model/errors";
import { contains, formatAddress, parseAddress } from "../../server/engine/model/net";
import type { IpamSubnet } from "../../server/engine/model/schemas";

const ip = (t: string) => parseAddress(t)!.value;
function plan(cidr: string, extra: Partial<IpamSubnet> = {}, subnetUuid?: string): SubnetPlan {
  const [ip_prefix, len] = cidr.split("/");
  const r = normalizeIpamSubnet({ subnet: { ip_prefix, ip_prefix_len: Number(len) }, subnet_uuid: subnetUuid ?? `sn-${cidr}`, ...extra }, "s");
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.plan;
}
const alloc = (...plans: SubnetPlan[]) => new NetworkAllocator("vn-1", "virtual-network d:p:vn", plans);
function caught(fn: () => unknown): WeftError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WeftError);
    return e as WeftError;
  }
  throw new Error("expected an error");
}

describe("allocation order", () => {
  it("addr_from_start=false: from .252 down (gateway .254 and DNS .253 skipped)", () => {
    const a = alloc(plan("10.0.0.0/24"));
    const got = Array.from({ length: 4 }, (_, i) => a.allocate(`o${i}`).address);
    expect(got).toEqual(["10.0.0.252", "10.0.0.251", "10.0.0.250", "10.0.0.249"]);
    expect(a.allocate("x").subnetUuid).toBe("sn-10.0.0.0/24");
    expect(a.used.get("10.0.0.252")).toBe("o0");
  });

  it("addr_from_start=true: from .3 up (gateway .1 and DNS .2 skipped)", () => {
    const a = alloc(plan("10.0.0.0/24", { addr_from_start: true }));
    expect(Array.from({ length: 3 }, (_, i) => a.allocate(`o${i}`).address)).toEqual(["10.0.0.3", "10.0.0.4", "10.0.0.5"]);
  });

  it("IPv6 only when asked for family 6", () => {
    const a = alloc(plan("10.0.0.0/24"), plan("2001:db8::/120"));
    expect(a.allocate("v6", { family: 6 }).address).toBe("2001:db8::fd");
    expect(a.allocate("v4").address).toBe("10.0.0.252");
    const only4 = alloc(plan("10.0.0.0/24"));
    const e = caught(() => only4.allocate("x", { family: 6 }));
    expect(e.code).toBe("bad_request");
    expect(e.message).toContain("has no IPv6 subnet to allocate from");
  });

  it("allocates only from the allocation pools, last pool first, skipping gateway/DNS inside a pool", () => {
    const a = alloc(
      plan("10.0.0.0/24", {
        allocation_pools: [
          { start: "10.0.0.10", end: "10.0.0.11" },
          { start: "10.0.0.250", end: "10.0.0.254" },
        ],
      }),
    );
    const got = Array.from({ length: 5 }, (_, i) => a.allocate(`o${i}`).address);
    expect(got).toEqual(["10.0.0.252", "10.0.0.251", "10.0.0.250", "10.0.0.11", "10.0.0.10"]);
    const e = caught(() => a.allocate("more"));
    expect(e.code).toBe("conflict");
  });

  it("addr_from_start walks pools upward", () => {
    const a = alloc(
      plan("10.0.0.0/24", {
        addr_from_start: true,
        allocation_pools: [
          { start: "10.0.0.100", end: "10.0.0.101" },
          { start: "10.0.0.1", end: "10.0.0.4" },
        ],
      }),
    );
    expect(Array.from({ length: 4 }, (_, i) => a.allocate(`o${i}`).address)).toEqual(["10.0.0.3", "10.0.0.4", "10.0.0.100", "10.0.0.101"]);
  });

  it("subnetUuids limits the subnets; an unknown one is a bad request", () => {
    const a = alloc(plan("10.0.0.0/24", {}, "A"), plan("10.0.1.0/24", {}, "B"));
    expect(a.allocate("x", { subnetUuids: ["B"] })).toEqual({ address: "10.0.1.252", subnetUuid: "B" });
    const e = caught(() => a.allocate("y", { subnetUuids: ["C"] }));
    expect(e.code).toBe("bad_request");
    expect(e.message).toContain("has no IPv4 subnet among C");
  });

  it("moves on to the next subnet when the first is full", () => {
    const a = alloc(plan("10.0.0.0/30", {}, "A"), plan("10.0.1.0/24", {}, "B"));
    expect(a.allocate("1").address).toBe("10.0.0.2");
    expect(a.allocate("2").address).toBe("10.0.0.1");
    expect(a.allocate("3")).toEqual({ address: "10.0.1.252", subnetUuid: "B" });
  });
});

describe("exhaustion and release", () => {
  it("a /29 has four addresses after gateway and DNS; the fifth request is a clear conflict", () => {
    const a = alloc(plan("10.0.0.0/29"));
    expect(Array.from({ length: 4 }, (_, i) => a.allocate(`o${i}`).address)).toEqual(["10.0.0.4", "10.0.0.3", "10.0.0.2", "10.0.0.1"]);
    const e = caught(() => a.allocate("o4"));
    expect(e.code).toBe("conflict");
    expect(e.message).toBe("virtual-network d:p:vn: no free address left in 10.0.0.0/29");
    expect(a.used.has("10.0.0.5")).toBe(false);
  });

  it("release makes the address available again, in allocation order", () => {
    const a = alloc(plan("10.0.0.0/24"));
    for (let i = 0; i < 5; i++) a.allocate(`o${i}`); // .252 … .248
    a.release("10.0.0.250");
    a.release("10.0.0.251");
    expect(a.allocate("n1").address).toBe("10.0.0.251");
    expect(a.allocate("n2").address).toBe("10.0.0.250");
    expect(a.allocate("n3").address).toBe("10.0.0.247");
  });

  it("release after exhaustion gives that address back; releasing an unknown address is a no-op", () => {
    const a = alloc(plan("10.0.0.0/29", { addr_from_start: true }));
    for (let i = 0; i < 4; i++) a.allocate(`o${i}`); // .3 .4 .5 .6
    expect(() => a.allocate("x")).toThrow(/no free address/);
    a.release("10.0.0.9");
    a.release("10.0.0.4");
    expect(a.allocate("y").address).toBe("10.0.0.4");
    expect(() => a.allocate("z")).toThrow(/no free address/);
  });

  it("setPlans keeps the used addresses (network update)", () => {
    const a = alloc(plan("10.0.0.0/24"));
    a.allocate("o1");
    a.setPlans([plan("10.0.0.0/24")]);
    expect(a.allocate("o2").address).toBe("10.0.0.251");
  });
});

describe("reserve (fixed address)", () => {
  const a = () => {
    const x = alloc(plan("10.0.0.0/24"), plan("10.0.1.0/24", { allocation_pools: [{ start: "10.0.1.10", end: "10.0.1.20" }] }, "B"));
    x.reserve("holder", "10.0.0.7", "f");
    return x;
  };

  it("takes a free address, also outside the allocation pools, and the allocator skips it", () => {
    const x = a();
    expect(x.reserve("o", "10.0.1.100", "instance_ip_address")).toEqual({ address: "10.0.1.100", subnetUuid: "B" });
    expect(x.used.get("10.0.0.7")).toBe("holder");
    const y = alloc(plan("10.0.0.0/24"));
    y.reserve("r", "10.0.0.252", "f");
    expect(y.allocate("n").address).toBe("10.0.0.251");
  });

  it("canonicalizes the address and is idempotent for the same owner", () => {
    const x = alloc(plan("2001:db8::/64"));
    expect(x.reserve("o", "2001:0db8:0:0::10", "f").address).toBe("2001:db8::10");
    expect(x.reserve("o", "2001:db8::10", "f").address).toBe("2001:db8::10");
  });

  it.each([
    ["10.0.0.254", "conflict", "f: 10.0.0.254 is the subnet's default gateway"],
    ["10.0.0.253", "conflict", "f: 10.0.0.253 is the subnet's DNS server address"],
    ["10.0.0.0", "bad_request", "f: 10.0.0.0 is the network or broadcast address"],
    ["10.0.0.255", "bad_request", "f: 10.0.0.255 is the network or broadcast address"],
    ["10.0.9.1", "bad_request", "f: 10.0.9.1 is not in any subnet of virtual-network d:p:vn (subnets: 10.0.0.0/24, 10.0.1.0/24)"],
    ["10.0.0.7", "conflict", "f: 10.0.0.7 is already in use (by holder)"],
    ["10.0.0.300", "bad_request", 'f: "10.0.0.300" is not a valid IP address'],
  ])("refuses %s (%s)", (addr, code, message) => {
    const x = a();
    const e = caught(() => x.reserve("other", addr, "f"));
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
    expect(e.issues[0].field).toBe("f");
    expect(x.used.get("10.0.0.7")).toBe("holder");
    expect(x.used.size).toBe(1);
  });

  it("refuses the IPv6 subnet-router anycast address (never handed out by allocate either)", () => {
    const x = alloc(plan("2001:db8::/64"));
    const e = caught(() => x.reserve("o", "2001:db8::", "f"));
    expect(e.message).toBe("f: 2001:db8:: is the subnet-router anycast address");
    expect(x.reserve("o", "2001:db8::1", "f").address).toBe("2001:db8::1");
  });

  it("subnetUuids restricts reservations too", () => {
    const x = a();
    const e = caught(() => x.reserve("o", "10.0.0.9", "f", { subnetUuids: ["B"] }));
    expect(e.code).toBe("bad_request");
    expect(x.reserve("o", "10.0.1.9", "f", { subnetUuids: ["B"] }).subnetUuid).toBe("B");
  });
});

describe("properties", () => {
  // a random IPv4 subnet (/22–/30), random addr_from_start, optional random pools
  const arbSubnet = fc
    .record({
      base: fc.integer({ min: 0, max: 0xffffff }),
      len: fc.integer({ min: 22, max: 30 }),
      fromStart: fc.boolean(),
      cuts: fc.uniqueArray(fc.integer({ min: 1, max: 1022 }), { maxLength: 6 }),
    })
    .map(({ base, len, fromStart, cuts }) => {
      const size = 2 ** (32 - len);
      const netAddr = (0x0a000000n | BigInt(base)) & ~BigInt(size - 1);
      // pools from sorted cut points inside the usable range, pairwise → [start, end] ranges
      const inner = [...new Set(cuts.map((c) => (c % (size - 2)) + 1))].sort((x, y) => x - y);
      const pools: { start: string; end: string }[] = [];
      for (let i = 0; i + 1 < inner.length; i += 2) {
        if (i > 0 && inner[i] === inner[i - 1]) continue;
        pools.push({ start: formatAddress(4, netAddr + BigInt(inner[i])), end: formatAddress(4, netAddr + BigInt(inner[i + 1])) });
      }
      return { cidr: `${formatAddress(4, netAddr)}/${len}`, fromStart, pools };
    });

  it("allocations until exhaustion are unique, inside the subnet and its pools, never gateway/DNS (property)", () => {
    fc.assert(
      fc.property(arbSubnet, ({ cidr, fromStart, pools }) => {
        const p = plan(cidr, { addr_from_start: fromStart, allocation_pools: pools });
        const a = alloc(p);
        const seen = new Set<string>();
        for (;;) {
          let got: string;
          try {
            got = a.allocate(`o${seen.size}`).address;
          } catch (e) {
            expect((e as WeftError).code).toBe("conflict");
            break;
          }
          expect(seen.has(got)).toBe(false);
          seen.add(got);
          const v = parseAddress(got)!.value;
          expect(contains(p.cidr, 4, v)).toBe(true);
          expect(p.pools.some(([s, e]) => v >= s && v <= e)).toBe(true);
          expect(v).not.toBe(p.gateway);
          expect(v).not.toBe(p.dns);
        }
        // exhausted means: every pool address other than gateway/DNS was handed out
        let capacity = 0;
        for (const [s, e] of p.pools) for (let v = s; v <= e; v++) if (v !== p.gateway && v !== p.dns) capacity++;
        expect(seen.size).toBe(capacity);
      }),
      { numRuns: 60 },
    );
  });

  it("random interleavings of allocate / release / reserve never hand out an address twice (property)", () => {
    const op = fc.oneof(
      fc.constant({ kind: "alloc" as const }),
      fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("reserve" as const), host: fc.integer({ min: 0, max: 63 }) }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.array(op, { maxLength: 200 }), (fromStart, ops) => {
        const p = plan("10.0.0.0/26", { addr_from_start: fromStart });
        const a = alloc(p);
        const held = new Map<string, string>(); // address → owner (the model)
        let n = 0;
        for (const o of ops) {
          if (o.kind === "alloc") {
            const owner = `o${n++}`;
            try {
              const got = a.allocate(owner).address;
              expect(held.has(got)).toBe(false);
              held.set(got, owner);
            } catch {
              // only when really full: 62 usable - gateway - DNS
              expect(held.size).toBe(60);
            }
          } else if (o.kind === "release") {
            const list = [...held.keys()];
            if (!list.length) continue;
            const addr = list[o.pick % list.length];
            a.release(addr);
            held.delete(addr);
          } else {
            const addr = `10.0.0.${o.host}`;
            const owner = `r${n++}`;
            try {
              a.reserve(owner, addr, "f");
              expect(held.has(addr)).toBe(false);
              held.set(addr, owner);
            } catch {
              const v = parseAddress(addr)!.value;
              expect(held.has(addr) || v === p.gateway || v === p.dns || o.host === 0 || o.host === 63).toBe(true);
            }
          }
          expect(new Map(a.used)).toEqual(held);
        }
      }),
      { numRuns: 100 },
    );
  });
});
