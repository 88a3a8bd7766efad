import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AUTO_RT_BASE, checkUserRouteTarget, parseRouteTarget } from "../../server/engine/model/route-target";

const rt = (text: string) => {
  const r = parseRouteTarget(text);
  if (!r.ok) throw new Error(`expected ${text} to parse: ${r.error}`);
  return r.rt;
};
const err = (text: string) => {
  const r = parseRouteTarget(text);
  if (r.ok) throw new Error(`expected ${text} to be refused`);
  return r.error;
};

describe("parseRouteTarget", () => {
  it("parses target:<2-octet asn>:<n> with a 4-octet number", () => {
    expect(rt("target:64512:1")).toEqual({ kind: "as2", asn: 64512, value: 1 });
    expect(rt("target:1:0")).toEqual({ kind: "as2", asn: 1, value: 0 });
    expect(rt("target:65535:4294967295")).toEqual({ kind: "as2", asn: 65535, value: 4294967295 });
    expect(rt("target:100:8000000")).toEqual({ kind: "as2", asn: 100, value: 8000000 });
  });

  it("refuses a 2-octet ASN with a number beyond 4 octets", () => {
    expect(err("target:64512:4294967296")).toMatch(/with a 2-octet ASN it must be 0–4294967295/);
  });

  it("parses a 4-octet ASN (65536–4294967295) with a number ≤ 65535", () => {
    expect(rt("target:65536:1")).toEqual({ kind: "as4", asn: 65536, value: 1 });
    expect(rt("target:4294967295:65535")).toEqual({ kind: "as4", asn: 4294967295, value: 65535 });
    expect(err("target:65536:65536")).toMatch(/with a 4-octet ASN \(> 65535\) it must be 0–65535/);
    expect(err("target:4200000000:100000")).toMatch(/0–65535/);
  });

  it("refuses ASNs out of range", () => {
    expect(err("target:4294967296:1")).toMatch(/ASN 4294967296 out of range: must be 1–4294967295/);
    expect(err("target:0:1")).toMatch(/ASN 0 out of range/);
    expect(err("target:99999999999999999999:1")).toMatch(/out of range/);
  });

  it("parses target:<ipv4>:<n> with n ≤ 65535", () => {
    expect(rt("target:10.1.2.3:100")).toEqual({ kind: "ipv4", ip: "10.1.2.3", value: 100 });
    expect(rt("target:192.0.2.1:65535")).toEqual({ kind: "ipv4", ip: "192.0.2.1", value: 65535 });
    expect(err("target:192.0.2.1:65536")).toMatch(/with an IPv4 administrator it must be 0–65535/);
  });

  it("refuses garbage with a message naming the expected form", () => {
    for (const bad of ["", "64512:1", "target:64512", "target:64512:", "target::1", "route-target:64512:1", "target:64512:-1", "target:64512:1.5", "target:64512:abc", "TARGET:64512:1", " target:64512:1"]) {
      expect(parseRouteTarget(bad).ok, bad).toBe(false);
    }
    expect(err("64512:1")).toContain("expected target:<asn>:<number> or target:<ipv4>:<number>");
    expect(err("target:300.1.1.1:5")).toContain('has "300.1.1.1" as administrator');
    expect(err("target:2001:db8::1:5")).toMatch(/administrator: must be an ASN .* or an IPv4 address/);
    expect(err("target:host:5")).toContain("administrator");
    expect(parseRouteTarget(42 as unknown as string)).toEqual({ ok: false, error: '"42" is not a string' });
  });

  it("every in-range asn:number combination parses to its parts (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4294967295 }), fc.integer({ min: 0, max: 4294967295 }), (asn, n) => {
        const r = parseRouteTarget(`target:${asn}:${n}`);
        const valid = asn <= 65535 || n <= 65535;
        expect(r.ok).toBe(valid);
        if (r.ok) expect(r.rt).toEqual({ kind: asn <= 65535 ? "as2" : "as4", asn, value: n });
      }),
    );
  });

  it("every IPv4 administrator with a 2-octet number parses (property)", () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 65535 }), (ip, n) => {
        expect(parseRouteTarget(`target:${ip}:${n}`)).toEqual({ ok: true, rt: { kind: "ipv4", ip, value: n } });
      }),
    );
  });
});

describe("checkUserRouteTarget", () => {
  it("accepts user RTs outside the automatic range", () => {
    expect(checkUserRouteTarget("target:64512:1", 64512)).toBeNull();
    expect(checkUserRouteTarget(`target:64512:${AUTO_RT_BASE - 1}`, 64512)).toBeNull();
    // another ASN's numbers are not ours to protect
    expect(checkUserRouteTarget("target:64513:8000001", 64512)).toBeNull();
    // an IPv4 administrator never collides with target:<asn>:<n>
    expect(checkUserRouteTarget("target:10.0.0.1:1", 64512)).toBeNull();
  });

  it("refuses target:<cluster asn>:8000000 and up, saying why", () => {
    expect(AUTO_RT_BASE).toBe(8_000_000);
    const e = checkUserRouteTarget("target:64512:8000000", 64512);
    expect(e).toContain("range Weft allocates automatically");
    expect(e).toContain("target:64512:8000000");
    expect(checkUserRouteTarget("target:64512:8000123", 64512)).toMatch(/below 8000000/);
    expect(checkUserRouteTarget("target:64512:4294967295", 64512)).not.toBeNull();
    // the cluster ASN decides the range
    expect(checkUserRouteTarget("target:65000:8000000", 65000)).not.toBeNull();
    // 4-octet cluster ASN: numbers cannot reach 8000000, nothing to refuse beyond syntax
    expect(checkUserRouteTarget("target:4200000000:65535", 4200000000)).toBeNull();
  });

  it("passes on syntax errors", () => {
    expect(checkUserRouteTarget("garbage", 64512)).toContain("is not a route target");
  });
});
