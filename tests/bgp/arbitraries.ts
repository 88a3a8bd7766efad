// fast-check generators of BGP values, shared by the property tests and bench/bgp-fuzz.ts.
import fc from "fast-check";
import type { Family, PathAttributes, RouteSpec, UpdateSpec } from "../../server/engine/bgp/wire";
import { readCapture, CAPTURES } from "./corpus";

const octet = fc.integer({ min: 0, max: 255 });
export const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), octet, octet, fc.integer({ min: 1, max: 254 })).map((a) => a.join("."));

export const prefix = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, len]) => {
  const m = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  const x = (a & m) >>> 0;
  return `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}/${len}`;
});

export const rd = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff })).map(([a, n]) => `${a}:${n}`),
  fc.tuple(ipv4, fc.integer({ min: 0, max: 0xffff })).map(([a, n]) => `${a}:${n}`),
  fc.tuple(fc.integer({ min: 0x10000, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffff })).map(([a, n]) => `${a}:${n}`),
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff })).map(([a, n]) => `${a}L:${n}`),
);

const label = fc.integer({ min: 0, max: 0xfffff });
const asn = fc.integer({ min: 1, max: 0xffffffff });

export const extCommunity = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff })).map(([a, n]) => `target:${a}:${n}`),
  fc.tuple(ipv4, fc.integer({ min: 0, max: 0xffff })).map(([a, n]) => `target:${a}:${n}`),
  fc.tuple(fc.integer({ min: 0x10000, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffff })).map(([a, n]) => `target:${a}:${n}`),
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff })).map(([a, n]) => `origin:${a}:${n}`),
  fc.constantFrom("encapsulation:gre", "encapsulation:udp", "encapsulation:vxlan", "encapsulation:mpls-in-gre", "encapsulation:mpls"),
  fc.tuple(fc.constantFrom("80", "43", "06"), fc.stringMatching(/^[0-9a-f]{14}$/)).map(([t, r]) => `raw:${t}${r}`),
);

export const community = fc.tuple(fc.integer({ min: 0, max: 0xfffe }), fc.integer({ min: 0, max: 0xffff })).map(([a, b]) => `${a}:${b}`);
const u32 = fc.integer({ min: 0, max: 0xffffffff });

export function attributes(opts: { ibgp: boolean; nextHop?: fc.Arbitrary<string> }): fc.Arbitrary<PathAttributes> {
  return fc.record(
    {
      origin: fc.constantFrom("igp" as const, "egp" as const, "incomplete" as const),
      asPath: fc.array(fc.record({ type: fc.constantFrom("sequence" as const, "set" as const), asns: fc.array(asn, { minLength: 1, maxLength: 6 }) }), { maxLength: 3 }),
      nextHop: opts.nextHop ?? ipv4,
      med: u32,
      localPref: opts.ibgp ? u32 : fc.constant(undefined),
      atomicAggregate: fc.constant(true),
      aggregator: fc.record({ asn, address: ipv4 }),
      communities: fc.array(community, { minLength: 1, maxLength: 4 }),
      extendedCommunities: fc.array(extCommunity, { minLength: 1, maxLength: 4 }),
      largeCommunities: fc.array(fc.tuple(u32, u32, u32).map((x) => x.join(":")), { minLength: 1, maxLength: 2 }),
      originatorId: opts.ibgp ? ipv4 : fc.constant(undefined),
      clusterList: opts.ibgp ? fc.array(ipv4, { minLength: 1, maxLength: 3 }) : fc.constant(undefined),
    },
    { requiredKeys: ["origin", "asPath", "nextHop"] },
  ).map((a) => {
    const out = { ...a } as PathAttributes & Record<string, unknown>;
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    return out;
  });
}

export function routes(family: Family, max = 20): fc.Arbitrary<RouteSpec[]> {
  const one: fc.Arbitrary<RouteSpec> =
    family === "ipv4-unicast" ? prefix.map((p) => ({ prefix: p })) : fc.record({ prefix, rd, labels: fc.array(label, { minLength: 1, maxLength: 3 }) });
  return fc.uniqueArray(one, { minLength: 1, maxLength: max, selector: (r) => `${r.rd ?? ""}:${r.prefix}` });
}

/** An UPDATE of one family: reachable routes with attributes, and/or withdrawals. */
export function updateSpec(ibgp: boolean): fc.Arbitrary<{ spec: UpdateSpec; family: Family }> {
  return fc.constantFrom<Family>("ipv4-unicast", "l3vpn-ipv4-unicast").chain((family) =>
    fc
      .record({ attrs: attributes({ ibgp }), reach: routes(family), unreach: fc.option(routes(family, 10), { nil: undefined }) })
      .map(({ attrs, reach, unreach }) => ({
        family,
        spec: {
          reach: [{ family, attrs, routes: reach }],
          unreach: unreach ? [{ family, routes: unreach.map((r) => ({ prefix: r.prefix, rd: r.rd })) }] : [],
        },
      })),
  );
}

/** A captured message with random bytes overwritten, inserted, removed or the end cut off. */
export const mutatedCapture: fc.Arbitrary<Buffer> = (() => {
  const caps = CAPTURES.flatMap(readCapture);
  return fc
    .tuple(
      fc.constantFrom(...caps),
      fc.array(fc.tuple(fc.nat(), octet, fc.constantFrom("set", "insert", "delete", "cut", "len") as fc.Arbitrary<string>), { minLength: 1, maxLength: 6 }),
    )
    .map(([msg, edits]) => {
      let b = Buffer.from(msg);
      for (const [pos, v, op] of edits) {
        const i = pos % Math.max(1, b.length);
        if (op === "set") b[i] = v;
        else if (op === "insert") b = Buffer.concat([b.subarray(0, i), Buffer.of(v), b.subarray(i)]);
        else if (op === "delete") b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
        else if (op === "cut") b = b.subarray(0, i);
        else if (b.length >= 18 && op === "len") b.writeUInt16BE(b.length, 16); // keep the header consistent so deeper code runs
      }
      return b;
    });
})();
