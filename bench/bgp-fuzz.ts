// Fuzzes the BGP decoder: fast-check generated UPDATE/OPEN values (encoded, then bit-flipped or
// cut) and mutated captures from real gobgpd/bird sessions. Any exception is a crash: the decoder
// must return values for every input (RFC 7606: errors are actions, not failures).
//   npx tsx bench/bgp-fuzz.ts [--cases 100000] [--seed 42]
import fc from "fast-check";
import { performance } from "node:perf_hooks";
import { decodeMessage, encodeUpdate } from "../server/engine/bgp/wire";
import { mutatedCapture, updateSpec } from "../tests/bgp/arbitraries";
import { printTable, writeResult } from "./lib";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const CASES = arg("cases", 100_000);
const SEED = arg("seed", 42);

const encodedThenMutated = fc
  .tuple(updateSpec(false), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat(), { nil: undefined }))
  .map(([{ spec }, flips, cut]) => {
    let b: Buffer;
    try {
      b = encodeUpdate(spec, { asn4: true });
    } catch {
      b = Buffer.alloc(19, 0xff);
    }
    for (const [pos, v] of flips) b[19 + (pos % Math.max(1, b.length - 19))] = v;
    if (cut !== undefined) {
      b = b.subarray(0, cut % (b.length + 1));
      if (b.length >= 18) b.writeUInt16BE(b.length, 16);
    }
    return b;
  });

const randomBody = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.uint8Array({ maxLength: 300 })).map(([t, body]) => {
  const b = Buffer.alloc(19 + body.length, 0xff);
  b.writeUInt16BE(b.length, 16);
  b[18] = t;
  b.set(body, 19);
  return b;
});

const input = fc.oneof({ arbitrary: mutatedCapture, weight: 4 }, { arbitrary: encodedThenMutated, weight: 4 }, { arbitrary: randomBody, weight: 2 });

const samples = fc.sample(input, { numRuns: CASES, seed: SEED });
const outcomes: Record<string, number> = {};
let crashes = 0;
const crashSamples: string[] = [];
const t0 = performance.now();
for (const b of samples) {
  for (const asn4 of [true, false]) {
    try {
      const r = decodeMessage(b, { asn4, ibgp: !asn4 });
      const k = r.ok ? `ok ${r.value.type}` : r.error.action;
      outcomes[k] = (outcomes[k] ?? 0) + 1;
    } catch (e) {
      crashes++;
      if (crashSamples.length < 10) crashSamples.push(`${b.toString("hex")} ${String(e)}`);
    }
  }
}
const secs = (performance.now() - t0) / 1000;
const decoded = samples.length * 2;
printTable("BGP decoder fuzz", [
  { metric: "inputs", value: samples.length },
  { metric: "decodes (asn4 + asn2 contexts)", value: decoded, goal: "≥ 100000", ok: decoded >= 100_000 },
  { metric: "decodes per second", value: Math.round(decoded / secs), unit: "/s" },
  { metric: "crashes (exceptions)", value: crashes, goal: "0", ok: crashes === 0 },
  ...Object.entries(outcomes)
    .sort()
    .map(([k, v]) => ({ metric: `outcome: ${k}`, value: v })),
]);
const file = writeResult("bgp-fuzz", { cases: samples.length, decodes: decoded, seconds: secs, decodesPerSecond: decoded / secs, crashes, crashSamples, outcomes, seed: SEED });
console.log(`\nwrote ${file}`);
process.exit(crashes === 0 ? 0 : 1);
