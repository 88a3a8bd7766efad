// Address allocation for one virtual network (its subnets) or one floating-IP pool's subnets.
// All state is in memory and mutated synchronously, so concurrent requests are serialized by the
// event loop: an address can never be handed out twice. The config store's unique key on
// (network, address) backs this up in the database.
import { WeftError } from "../model/errors";
import { type Family, cidrText, contains, formatAddress, parseAddress } from "../model/net";
import { type SubnetPlan, usableRange } from "./subnet";

export interface Allocation {
  address: string;
  subnetUuid: string;
}

export class NetworkAllocator {
  private plans: SubnetPlan[] = [];
  /** address text → owner uuid */
  readonly used = new Map<string, string>();
  /** per subnet: every address "before" the cursor in allocation order is taken */
  private cursor = new Map<string, bigint>();

  constructor(
    readonly networkUuid: string,
    readonly label: string,
    plans: SubnetPlan[] = [],
  ) {
    this.setPlans(plans);
  }

  setPlans(plans: SubnetPlan[]) {
    this.plans = plans;
    this.cursor.clear();
    for (const p of plans) this.resetCursor(p);
  }

  subnets(): readonly SubnetPlan[] {
    return this.plans;
  }

  private resetCursor(p: SubnetPlan) {
    if (p.pools.length === 0) return;
    this.cursor.set(p.subnetUuid, p.addrFromStart ? p.pools[0][0] : p.pools[p.pools.length - 1][1]);
  }

  /** Which subnet holds an address. */
  subnetOf(address: string): SubnetPlan | undefined {
    const a = parseAddress(address);
    if (!a) return undefined;
    return this.plans.find((p) => contains(p.cidr, a.family, a.value));
  }

  /**
   * How full each subnet's allocation pools are: addresses handed out from the pools / addresses
   * the pools hold (fixed addresses outside the pools and the gateway/DNS reservations do not
   * count: they never exhaust a pool). For the "pool above 90 %" alarm and the network page.
   */
  usage(): { subnetUuid: string; cidr: string; total: number; used: number }[] {
    const inPools = (p: SubnetPlan, v: bigint | null) => v !== null && p.pools.some(([lo, hi]) => v >= lo && v <= hi);
    const out = this.plans.map((p) => ({
      subnetUuid: p.subnetUuid,
      cidr: cidrText(p.cidr),
      // the gateway and the DNS address are never handed out, even inside a pool
      total: p.pools.reduce((n, [a, b]) => n + Number(b - a + 1n), 0) - (inPools(p, p.gateway) ? 1 : 0) - (inPools(p, p.dns) && p.dns !== p.gateway ? 1 : 0),
      used: 0,
    }));
    if (!out.length) return out;
    for (const address of this.used.keys()) {
      const a = parseAddress(address);
      if (!a) continue;
      const i = this.plans.findIndex((p) => contains(p.cidr, a.family, a.value));
      if (i >= 0 && this.plans[i].pools.some(([lo, hi]) => a.value >= lo && a.value <= hi)) out[i].used++;
    }
    return out;
  }

  /** Addresses in use in a subnet (for "cannot remove subnet: addresses in use" errors). */
  usedIn(plan: SubnetPlan): { address: string; owner: string }[] {
    const out: { address: string; owner: string }[] = [];
    for (const [address, owner] of this.used) {
      const a = parseAddress(address)!;
      if (contains(plan.cidr, a.family, a.value)) out.push({ address, owner });
    }
    return out;
  }

  /**
   * Hands out the next free address, in Contrail's order (from the end of the pools unless the
   * subnet has addr_from_start). `subnetUuids` limits the subnets considered (FIP pool subnets,
   * instance-ip subnet_uuid).
   */
  allocate(owner: string, opts: { family?: Family; subnetUuids?: string[] } = {}): Allocation {
    const family = opts.family ?? 4;
    const candidates = this.plans.filter(
      (p) => p.cidr.family === family && (!opts.subnetUuids?.length || opts.subnetUuids.includes(p.subnetUuid)),
    );
    if (candidates.length === 0) {
      throw new WeftError(
        "bad_request",
        opts.subnetUuids?.length
          ? `${this.label} has no IPv${family} subnet among ${opts.subnetUuids.join(", ")}`
          : `${this.label} has no IPv${family} subnet to allocate from: add one to its network_ipam_refs`,
      );
    }
    for (const p of candidates) {
      const a = this.nextFree(p);
      if (a !== null) {
        const address = formatAddress(p.cidr.family, a);
        this.used.set(address, owner);
        this.cursor.set(p.subnetUuid, a);
        return { address, subnetUuid: p.subnetUuid };
      }
    }
    throw new WeftError(
      "conflict",
      `${this.label}: no free address left in ${candidates.map((p) => `${p.cidr.prefix}/${p.cidr.prefixLen}`).join(", ")}`,
    );
  }

  private nextFree(p: SubnetPlan): bigint | null {
    const cur = this.cursor.get(p.subnetUuid);
    if (cur === undefined) return null;
    const free = (a: bigint) =>
      a !== p.gateway && a !== p.dns && !this.used.has(formatAddress(p.cidr.family, a));
    if (p.addrFromStart) {
      for (const [s, e] of p.pools) {
        if (e < cur) continue;
        for (let a = s > cur ? s : cur; a <= e; a++) if (free(a)) return a;
      }
    } else {
      for (let i = p.pools.length - 1; i >= 0; i--) {
        const [s, e] = p.pools[i];
        if (s > cur) continue;
        for (let a = e < cur ? e : cur; a >= s; a--) if (free(a)) return a;
      }
    }
    return null;
  }

  /** Takes a specific address (a fixed IP on request). Throws a clear error when it cannot. */
  reserve(owner: string, address: string, field: string, opts: { subnetUuids?: string[] } = {}): Allocation {
    const a = parseAddress(address);
    if (!a) throw new WeftError("bad_request", `${field}: "${address}" is not a valid IP address`, [{ field, message: "not a valid IP address" }]);
    const text = formatAddress(a.family, a.value);
    const plan = this.plans.find(
      (p) => contains(p.cidr, a.family, a.value) && (!opts.subnetUuids?.length || opts.subnetUuids.includes(p.subnetUuid)),
    );
    const fail = (code: "bad_request" | "conflict", message: string) =>
      new WeftError(code, `${field}: ${message}`, [{ field, message }]);
    if (!plan) {
      const subnets = this.plans.map((p) => `${p.cidr.prefix}/${p.cidr.prefixLen}`).join(", ") || "none";
      throw fail("bad_request", `${text} is not in any subnet of ${this.label} (subnets: ${subnets})`);
    }
    if (a.value === plan.gateway) throw fail("conflict", `${text} is the subnet's default gateway`);
    if (a.value === plan.dns) throw fail("conflict", `${text} is the subnet's DNS server address`);
    const [first, last] = usableRange(plan.cidr)!;
    if (a.value < first || a.value > last) {
      // IPv4: network/broadcast; IPv6: the subnet-router anycast address (allocate never hands these out)
      throw fail("bad_request", `${text} is the ${plan.cidr.family === 4 ? "network or broadcast" : "subnet-router anycast"} address`);
    }
    const holder = this.used.get(text);
    if (holder !== undefined && holder !== owner) throw fail("conflict", `${text} is already in use (by ${holder})`);
    this.used.set(text, owner);
    return { address: text, subnetUuid: plan.subnetUuid };
  }

  release(address: string) {
    if (!this.used.delete(address)) return;
    const a = parseAddress(address);
    if (!a) return;
    for (const p of this.plans) {
      if (!contains(p.cidr, a.family, a.value)) continue;
      const cur = this.cursor.get(p.subnetUuid);
      if (cur === undefined) continue;
      if (p.addrFromStart ? a.value < cur : a.value > cur) this.cursor.set(p.subnetUuid, a.value);
    }
  }
}
