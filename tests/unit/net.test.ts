import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cidrText,
  contains,
  formatAddress,
  hostMask,
  lastAddress,
  overlaps,
  parseAddress,
  parseCidr,
  parseCidrParts,
} from "../../server/engine/model/net";

const ok = (text: string) => {
  const r = parseCidr(text);
  if (!r.ok) throw new Error(`expected ${text} to parse: ${r.error}`);
  return r.cidr;
};
const err = (text: string) => {
  const r = parseCidr(text);
  if (r.ok) throw new Error(`expected ${text} to be refused`);
  return r.error;
};

describe("parseAddress / formatAddress", () => {
  it("parses dotted-quad IPv4 to an integer", () => {
    expect(parseAddress("10.0.0.1")).toEqual({ family: 4, value: 0x0a000001n });
    expect(parseAddress("0.0.0.0")).toEqual({ family: 4, value: 0n });
    expect(parseAddress("255.255.255.255")).toEqual({ family: 4, value: 0xffffffffn });
  });

  it("parses IPv6 in compressed and full forms", () => {
    expect(parseAddress("::1")).toEqual({ family: 6, value: 1n });
    expect(parseAddress("2001:db8::")).toEqual({ family: 6, value: 0x20010db8n << 96n });
    expect(parseAddress("2001:0db8:0000:0000:0000:0000:0000:0001")).toEqual({ family: 6, value: (0x20010db8n << 96n) | 1n });
  });

  it("refuses what is not an address", () => {
    for (const bad of ["", "10.0.0", "10.0.0.256", "10.0.0.1.2", "1.2.3.04", "0x0a.0.0.1", "abc", "10.0.0.0/24", "2001:db8::g", "1::2::3", "10"]) {
      expect(parseAddress(bad), bad).toBeNull();
    }
    expect(parseAddress(undefined as unknown as string)).toBeNull();
  });

  it("formats canonically", () => {
    expect(formatAddress(4, 0x0a0000fen)).toBe("10.0.0.254");
    expect(formatAddress(4, 0xffffffffn)).toBe("255.255.255.255");
    expect(formatAddress(6, 0n)).toBe("::");
    expect(formatAddress(6, (0x20010db8n << 96n) | 0x10n)).toBe("2001:db8::10");
  });

  it("round-trips every IPv4 integer (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 0xffffffffn }), (v) => {
        const text = formatAddress(4, v);
        expect(parseAddress(text)).toEqual({ family: 4, value: v });
      }),
    );
  });

  it("round-trips every IPv6 integer, and formatting is canonical (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (v) => {
        const text = formatAddress(6, v);
        const back = parseAddress(text);
        expect(back).toEqual({ family: 6, value: v });
        expect(formatAddress(6, back!.value)).toBe(text);
      }),
    );
  });

  it("parse → format is the identity on canonical IPv4 text (property)", () => {
    fc.assert(
      fc.property(fc.ipV4(), (text) => {
        const a = parseAddress(text);
        expect(a?.family).toBe(4);
        expect(formatAddress(4, a!.value)).toBe(text);
      }),
    );
  });
});

describe("parseCidr", () => {
  it("parses IPv4 and IPv6 networks", () => {
    expect(ok("10.0.0.0/24")).toEqual({ family: 4, network: 0x0a000000n, prefixLen: 24, prefix: "10.0.0.0" });
    expect(ok("0.0.0.0/0")).toMatchObject({ family: 4, network: 0n, prefixLen: 0 });
    expect(ok("10.1.2.3/32")).toMatchObject({ prefixLen: 32, prefix: "10.1.2.3" });
    expect(ok("2001:db8::/64")).toMatchObject({ family: 6, prefixLen: 64, prefix: "2001:db8::" });
    expect(ok("::/0")).toMatchObject({ family: 6, network: 0n, prefixLen: 0 });
    expect(ok("2001:0db8:0000::/48").prefix).toBe("2001:db8::");
  });

  it("refuses host bits set and suggests the network", () => {
    expect(err("10.0.0.5/24")).toContain("host bits set");
    expect(err("10.0.0.5/24")).toContain("did you mean 10.0.0.0/24?");
    expect(err("192.168.1.130/25")).toContain("did you mean 192.168.1.128/25?");
    expect(err("2001:db8::1/64")).toContain("did you mean 2001:db8::/64?");
  });

  it("refuses prefix lengths out of range with the allowed range", () => {
    expect(err("10.0.0.0/33")).toMatch(/prefix length 33 is out of range: must be 0–32 for IPv4/);
    expect(err("2001:db8::/129")).toMatch(/prefix length 129 is out of range: must be 0–128 for IPv6/);
    expect(parseCidrParts("10.0.0.0", -1).ok).toBe(false);
    expect(parseCidrParts("10.0.0.0", 24.5).ok).toBe(false);
  });

  it("refuses text that is not a CIDR, with an example", () => {
    for (const bad of ["10.0.0.0", "10.0.0.0/", "/24", "10.0.0.0/24/1", "10.0.0.0 /24", "foo/24", "10.0.0.0/1234"]) {
      const e = parseCidr(bad);
      expect(e.ok, bad).toBe(false);
    }
    expect(err("10.0.0.0")).toContain("expected <address>/<length>");
    expect(err("foo/24")).toContain('"foo" is not a valid IPv4 or IPv6 address');
  });

  it("any address masked to any length parses back to the same network (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 0xffffffffn }), fc.integer({ min: 0, max: 32 }), (v, len) => {
        const net = v & ~hostMask(4, len) & 0xffffffffn;
        const c = ok(`${formatAddress(4, net)}/${len}`);
        expect(c.network).toBe(net);
        expect(cidrText(c)).toBe(`${formatAddress(4, net)}/${len}`);
        expect(contains(c, 4, v)).toBe(true);
        expect(lastAddress(c) - c.network + 1n).toBe(1n << BigInt(32 - len));
        const withHost = parseCidrParts(formatAddress(4, v), len);
        if (v === net) expect(withHost.ok).toBe(true);
        else expect(withHost.ok ? "" : withHost.error).toContain(`did you mean ${formatAddress(4, net)}/${len}?`);
      }),
    );
  });
});

describe("contains / overlaps", () => {
  it("contains respects family and bounds", () => {
    const c = ok("10.0.0.0/24");
    expect(contains(c, 4, parseAddress("10.0.0.0")!.value)).toBe(true);
    expect(contains(c, 4, parseAddress("10.0.0.255")!.value)).toBe(true);
    expect(contains(c, 4, parseAddress("10.0.1.0")!.value)).toBe(false);
    expect(contains(c, 6, parseAddress("10.0.0.1")!.value)).toBe(false);
  });

  it("overlaps: nested, adjacent, disjoint, other family", () => {
    expect(overlaps(ok("10.0.0.0/16"), ok("10.0.5.0/24"))).toBe(true);
    expect(overlaps(ok("10.0.5.0/24"), ok("10.0.0.0/16"))).toBe(true);
    expect(overlaps(ok("10.0.0.0/25"), ok("10.0.0.128/25"))).toBe(false);
    expect(overlaps(ok("10.0.0.0/24"), ok("10.0.1.0/24"))).toBe(false);
    expect(overlaps(ok("0.0.0.0/0"), ok("::/0"))).toBe(false);
  });

  it("overlaps is symmetric and agrees with a brute-force check on small prefixes (property)", () => {
    const arbCidr = fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 24, max: 32 }))
      .map(([last, len]) => ok(`10.0.0.${last & Number(~hostMask(4, len) & 0xffn)}/${len}`));
    fc.assert(
      fc.property(arbCidr, arbCidr, (a, b) => {
        let brute = false;
        for (let v = a.network; v <= lastAddress(a); v++) if (contains(b, 4, v)) brute = true;
        expect(overlaps(a, b)).toBe(brute);
        expect(overlaps(b, a)).toBe(brute);
      }),
    );
  });
});
