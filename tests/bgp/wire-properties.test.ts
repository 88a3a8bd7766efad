// fast-check properties: decode ∘ encode = id on generated values; decoding mutated or
// truncated captures and random bytes never throws.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Capability, type Message, decodeMessage, encodeOpen, encodeUpdate, normalizeRd } from "../../server/engine/bgp/wire";
import { ipv4, mutatedCapture, updateSpec } from "./arbitraries";

function decodeUpdate(b: Buffer, asn4: boolean, ibgp: boolean) {
  const r = decodeMessage(b, { asn4, ibgp });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  if (r.value.type !== "update") throw new Error(r.value.type);
  return r.value.update;
}

describe("properties", () => {
  for (const asn4 of [true, false]) {
    for (const ibgp of [true, false]) {
      it(`UPDATE: decode(encode(x)) = x (asn4=${asn4}, ibgp=${ibgp})`, () => {
        fc.assert(
          fc.property(updateSpec(ibgp), ({ spec, family }) => {
            let b: Buffer;
            try {
              b = encodeUpdate(spec, { asn4 });
            } catch (e) {
              fc.pre(!(e instanceof RangeError)); // did not fit in 4096 octets
              throw e;
            }
            const u = decodeUpdate(b, asn4, ibgp);
            const reach = spec.reach![0];
            expect(u.reach).toHaveLength(1);
            expect(u.reach[0].family).toBe(family);
            expect(u.reach[0].paths.map((p) => ({ prefix: p.prefix, rd: p.rd, labels: p.labels }))).toEqual(
              reach.routes.map((r) => ({ prefix: r.prefix, rd: r.rd === undefined ? undefined : normalizeRd(r.rd), labels: r.labels })),
            );
            const attrs = u.reach[0].paths[0].attrs;
            const want = { ...reach.attrs };
            if (!asn4) {
              // RFC 6793: 4-octet ASNs survive through AS4_PATH, sets lose their confederation-free form only
              expect(attrs.asPath?.flatMap((s) => s.asns)).toEqual(want.asPath?.flatMap((s) => s.asns));
              delete want.asPath;
              const { asPath: _a, ...rest } = attrs;
              expect(rest).toEqual(want);
            } else expect(attrs).toEqual(want);
            const un = spec.unreach?.[0];
            if (un) expect(u.unreach[0].nlri.map((n) => n.prefix)).toEqual(un.routes.map((r) => r.prefix));
          }),
          { numRuns: 300 },
        );
      });
    }
  }

  it("OPEN: decode(encode(x)) = x", () => {
    const cap: fc.Arbitrary<Capability> = fc.oneof(
      fc.record({ kind: fc.constant("multiprotocol" as const), afi: fc.integer({ min: 0, max: 0xffff }), safi: fc.integer({ min: 0, max: 255 }) }),
      fc.constant({ kind: "route-refresh" as const, code: 2 as const }),
      fc.record({ kind: fc.constant("four-octet-as" as const), asn: fc.integer({ min: 0, max: 0xffffffff }) }),
      fc.record({ kind: fc.constant("unknown" as const), code: fc.integer({ min: 100, max: 127 }), value: fc.uint8Array({ maxLength: 20 }).map((u) => Buffer.from(u)) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffffffff }), fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })), ipv4, fc.array(cap, { maxLength: 8 }), (asn, holdTime, routerId, capabilities) => {
        const r = decodeMessage(encodeOpen({ asn, holdTime, routerId, capabilities }));
        expect(r.ok).toBe(true);
        const m = (r as { value: Message }).value;
        if (m.type !== "open") throw new Error();
        expect(m.open.capabilities).toEqual(capabilities);
        expect(m.open.holdTime).toBe(holdTime);
        expect(m.open.routerId).toBe(routerId);
      }),
      { numRuns: 300 },
    );
  });

  it("mutated and truncated captures never throw; results are values (with and without the attribute cache)", () => {
    const attrCache = new Map();
    fc.assert(
      fc.property(mutatedCapture, fc.boolean(), fc.boolean(), fc.boolean(), (b, asn4, ibgp, cached) => {
        const r = decodeMessage(b, { asn4, ibgp, attrCache: cached && asn4 && !ibgp ? attrCache : undefined });
        expect(typeof r.ok).toBe("boolean");
        if (!r.ok) expect(["session-reset", "treat-as-withdraw"]).toContain(r.error.action);
      }),
      { numRuns: 5000 },
    );
  });

  it("random bytes behind a valid header never throw", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.uint8Array({ maxLength: 200 }), (type, body) => {
        const b = Buffer.alloc(19 + body.length, 0xff);
        b.writeUInt16BE(b.length, 16);
        b[18] = type;
        b.set(body, 19);
        const r = decodeMessage(b, { asn4: true, ibgp: false });
        expect(typeof r.ok).toBe("boolean");
      }),
      { numRuns: 5000 },
    );
  });
});
