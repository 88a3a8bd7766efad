import { describe, expect, it } from "vitest";
import { formatAddress, parseAddress, parseCidr } from "../../server/engine/model/net";
import type { IpamSubnet } from "../../server/engine/model/schemas";
import { isAbsent, isNone, normalizeIpamSubnet, planOf, usableRange } from "../../server/engine/ipam/subnet";

const ip = (t: string) => parseAddress(t)!.value;
const sub = (cidr: string, extra: Partial<IpamSubnet> = {}): IpamSubnet => {
  const [ip_prefix, len] = cidr.split("/");
  return { subnet: { ip_prefix, ip_prefix_len: Number(len) }, ...extra };
};
const norm = (s: IpamSubnet) => {
  const r = normalizeIpamSubnet(s, "s");
  if (!r.ok) throw new Error(`expected ok: ${JSON.stringify(r.issues)}`);
  return r;
};
const issues = (s: IpamSubnet) => {
  const r = normalizeIpamSubnet(s, "s");
  if (r.ok) throw new Error("expected issues");
  return r.issues;
};

describe("usableRange", () => {
  it("excludes network and broadcast for IPv4, keeps /31 and /32 whole", () => {
    const c = (t: string) => {
      const r = parseCidr(t);
      if (!r.ok) throw new Error(r.error);
      return r.cidr;
    };
    expect(usableRange(c("10.0.0.0/24"))).toEqual([ip("10.0.0.1"), ip("10.0.0.254")]);
    expect(usableRange(c("10.0.0.0/31"))).toEqual([ip("10.0.0.0"), ip("10.0.0.1")]);
    expect(usableRange(c("10.0.0.7/32"))).toEqual([ip("10.0.0.7"), ip("10.0.0.7")]);
    // IPv6: the subnet-router anycast address (all zeros) is excluded, no broadcast
    expect(usableRange(c("2001:db8::/120"))).toEqual([ip("2001:db8::1"), ip("2001:db8::ff")]);
  });

  it("absent vs none", () => {
    expect([undefined, null, ""].map(isAbsent)).toEqual([true, true, true]);
    expect(isAbsent("0.0.0.0")).toBe(false);
    expect([isNone("0.0.0.0"), isNone("::"), isNone(undefined), isNone("10.0.0.1")]).toEqual([true, true, false, false]);
  });
});

describe("Contrail defaults", () => {
  it("addr_from_start=false: gateway is the last usable (.254), DNS .253, IPs allocated downward", () => {
    const r = norm(sub("10.1.2.0/24"));
    expect(r.subnet.default_gateway).toBe("10.1.2.254");
    expect(r.subnet.dns_server_address).toBe("10.1.2.253");
    expect(r.subnet.addr_from_start).toBe(false);
    expect(r.subnet.enable_dhcp).toBe(true);
    expect(r.subnet.subnet_uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.plan.gateway).toBe(ip("10.1.2.254"));
    expect(r.plan.dns).toBe(ip("10.1.2.253"));
    expect(r.plan.pools).toEqual([[ip("10.1.2.1"), ip("10.1.2.254")]]);
    expect(r.plan.addrFromStart).toBe(false);
  });

  it("addr_from_start=true: gateway .1, DNS .2", () => {
    const r = norm(sub("10.1.2.0/24", { addr_from_start: true }));
    expect(r.subnet.default_gateway).toBe("10.1.2.1");
    expect(r.subnet.dns_server_address).toBe("10.1.2.2");
    expect(r.plan.addrFromStart).toBe(true);
  });

  it("IPv6 defaults follow the same rule", () => {
    const r = norm(sub("2001:db8:1::/64"));
    expect(r.subnet.default_gateway).toBe("2001:db8:1:0:ffff:ffff:ffff:ffff");
    expect(r.subnet.dns_server_address).toBe("2001:db8:1:0:ffff:ffff:ffff:fffe");
    const s = norm(sub("2001:db8:1::/64", { addr_from_start: true }));
    expect(s.subnet.default_gateway).toBe("2001:db8:1::1");
    expect(s.subnet.dns_server_address).toBe("2001:db8:1::2");
  });

  it("an explicit gateway is kept; DNS default moves off it", () => {
    const r = norm(sub("10.0.0.0/24", { default_gateway: "10.0.0.1" }));
    expect(r.subnet.default_gateway).toBe("10.0.0.1");
    expect(r.subnet.dns_server_address).toBe("10.0.0.253");
    const clash = norm(sub("10.0.0.0/24", { default_gateway: "10.0.0.253" }));
    expect(clash.subnet.dns_server_address).toBe("10.0.0.252");
  });

  it("0.0.0.0 means no gateway / no DNS address reserved", () => {
    const r = norm(sub("10.0.0.0/24", { default_gateway: "0.0.0.0", dns_server_address: "0.0.0.0" }));
    expect(r.plan.gateway).toBeNull();
    expect(r.plan.dns).toBeNull();
    expect(r.subnet.default_gateway).toBe("0.0.0.0");
    expect(r.subnet.dns_server_address).toBe("0.0.0.0");
  });

  it("keeps a given subnet_uuid and canonicalizes the prefix", () => {
    const r = norm(sub("2001:0db8:0000::/48", { subnet_uuid: "s-1" }));
    expect(r.subnet.subnet_uuid).toBe("s-1");
    expect(r.subnet.subnet).toEqual({ ip_prefix: "2001:db8::", ip_prefix_len: 48 });
  });

  it("planOf re-derives the same plan from the normalized subnet", () => {
    const r = norm(sub("10.9.0.0/16", { allocation_pools: [{ start: "10.9.1.0", end: "10.9.1.255" }] }));
    expect(planOf(r.subnet)).toEqual(r.plan);
  });

  it("a tiny subnet gets no default gateway or DNS", () => {
    const r = norm(sub("10.0.0.0/30"));
    expect(r.plan.gateway).toBeNull();
    expect(r.plan.dns).toBeNull();
    expect(r.plan.pools).toEqual([[ip("10.0.0.1"), ip("10.0.0.2")]]);
  });
});

describe("validation", () => {
  it("host bits set: the message suggests the network and points at the subnet", () => {
    const i = issues(sub("10.0.0.9/24"));
    expect(i).toEqual([{ field: "s.subnet", message: expect.stringContaining("did you mean 10.0.0.0/24?") }]);
  });

  it("prefix length out of range", () => {
    expect(issues(sub("10.0.0.0/40"))[0].message).toMatch(/out of range: must be 0–32/);
  });

  it("gateway / DNS outside the subnet, invalid, or network/broadcast", () => {
    expect(issues(sub("10.0.0.0/24", { default_gateway: "10.0.1.1" }))).toEqual([
      { field: "s.default_gateway", message: "default_gateway 10.0.1.1 is outside the subnet 10.0.0.0/24" },
    ]);
    expect(issues(sub("10.0.0.0/24", { dns_server_address: "192.168.0.1" }))).toEqual([
      { field: "s.dns_server_address", message: "dns_server_address 192.168.0.1 is outside the subnet 10.0.0.0/24" },
    ]);
    expect(issues(sub("10.0.0.0/24", { default_gateway: "nope" }))[0].message).toContain("is not a valid IP address");
    expect(issues(sub("10.0.0.0/24", { default_gateway: "10.0.0.255" }))[0].message).toContain("broadcast address");
    expect(issues(sub("10.0.0.0/24", { default_gateway: "10.0.0.0" }))[0].message).toContain("network address");
    expect(issues(sub("10.0.0.0/24", { default_gateway: "2001:db8::1" }))[0].message).toContain("outside the subnet");
  });

  it("gateway and DNS must differ when both are given", () => {
    const i = issues(sub("10.0.0.0/24", { default_gateway: "10.0.0.1", dns_server_address: "10.0.0.1" }));
    expect(i[0].field).toBe("s.dns_server_address");
    expect(i[0].message).toContain("must differ from default_gateway (10.0.0.1)");
  });

  it("allocation pools: inside the subnet, start ≤ end, no overlap", () => {
    expect(issues(sub("10.0.0.0/24", { allocation_pools: [{ start: "10.0.0.10", end: "10.0.1.20" }] }))).toEqual([
      { field: "s.allocation_pools.0.end", message: "allocation pool end 10.0.1.20 is outside the subnet 10.0.0.0/24" },
    ]);
    expect(issues(sub("10.0.0.0/24", { allocation_pools: [{ start: "10.0.0.50", end: "10.0.0.10" }] }))).toEqual([
      { field: "s.allocation_pools.0", message: "allocation pool 10.0.0.50–10.0.0.10: start is after end" },
    ]);
    expect(
      issues(sub("10.0.0.0/24", { allocation_pools: [{ start: "10.0.0.10", end: "10.0.0.20" }, { start: "10.0.0.20", end: "10.0.0.30" }] })),
    ).toEqual([{ field: "s.allocation_pools.1", message: "allocation pool 10.0.0.20–10.0.0.30 overlaps pool 10.0.0.10–10.0.0.20" }]);
    expect(issues(sub("10.0.0.0/24", { allocation_pools: [{ start: "10.0.0.0", end: "10.0.0.20" }] }))[0].message).toContain("network address");
  });

  it("valid pools are kept, sorted, and replace the default range", () => {
    const r = norm(
      sub("10.0.0.0/24", { allocation_pools: [{ start: "10.0.0.100", end: "10.0.0.110" }, { start: "10.0.0.10", end: "10.0.0.20" }] }),
    );
    expect(r.plan.pools).toEqual([
      [ip("10.0.0.10"), ip("10.0.0.20")],
      [ip("10.0.0.100"), ip("10.0.0.110")],
    ]);
    expect(r.subnet.allocation_pools).toHaveLength(2);
    // gateway and DNS keep their defaults even with pools
    expect(formatAddress(4, r.plan.gateway!)).toBe("10.0.0.254");
  });

  it("reports every problem at once", () => {
    const i = issues(
      sub("10.0.0.0/24", { default_gateway: "10.0.9.1", dns_server_address: "10.0.8.1", allocation_pools: [{ start: "10.0.0.9", end: "10.0.0.1" }] }),
    );
    expect(i.map((x) => x.field)).toEqual(["s.default_gateway", "s.dns_server_address", "s.allocation_pools.0"]);
  });
});
