// Replays tests/bgp/corpus/malformed.txt: each message must give the RFC 4271 §6 / RFC 7606
// outcome recorded next to it, and never throw.
import { describe, expect, it } from "vitest";
import { decodeMessage } from "../../server/engine/bgp/wire";
import { readMalformed } from "./corpus";

function outcome(bytes: Buffer, asn4: boolean, ibgp: boolean): string {
  const r = decodeMessage(bytes, { asn4, ibgp });
  if (!r.ok) return r.error.action === "session-reset" ? `session-reset ${r.error.code}/${r.error.subcode}` : "treat-as-withdraw";
  if (r.value.type === "update" && r.value.update.notes.some((n) => !n.includes("ignored"))) return "attribute-discard";
  return "ok";
}

describe("malformed message corpus (RFC 7606 outcomes)", () => {
  const cases = readMalformed();
  it("has cases", () => expect(cases.length).toBeGreaterThan(50));
  for (const c of cases) {
    it(`${c.name} -> ${c.expect}`, () => {
      expect(outcome(c.bytes, c.asn4, c.ibgp)).toBe(c.expect);
    });
  }

  it("treat-as-withdraw names every route of the UPDATE", () => {
    const c = cases.find((x) => x.name === "last attribute overruns the list")!;
    const r = decodeMessage(c.bytes, { asn4: true, ibgp: false });
    expect(r.ok).toBe(false);
    if (r.ok || r.error.action !== "treat-as-withdraw") throw new Error("expected treat-as-withdraw");
    expect(r.error.withdrawn).toEqual([{ family: "l3vpn-ipv4-unicast", keys: ["64512:1:10.1.1.0/24"] }]);
    const d = cases.find((x) => x.name === "ORIGIN value 3")!;
    const r2 = decodeMessage(d.bytes, { asn4: true, ibgp: false });
    if (r2.ok || r2.error.action !== "treat-as-withdraw") throw new Error("expected treat-as-withdraw");
    expect(r2.error.withdrawn).toEqual([{ family: "ipv4-unicast", keys: ["10.0.0.0/8"] }]);
    expect(r2.error.subcode).toBe(6);
  });

  it("the first of repeated attributes wins; unknown optional transitive ones are kept with Partial", () => {
    const dup = cases.find((x) => x.name === "repeated ORIGIN keeps the first")!;
    const r = decodeMessage(dup.bytes, { asn4: true, ibgp: false });
    if (!r.ok || r.value.type !== "update") throw new Error("expected update");
    expect(r.value.update.attrs?.origin).toBe("igp");
    const unk = cases.find((x) => x.name === "unknown optional transitive attribute kept")!;
    const r2 = decodeMessage(unk.bytes, { asn4: true, ibgp: false });
    if (!r2.ok || r2.value.type !== "update") throw new Error("expected update");
    expect(r2.value.update.attrs?.unknown).toEqual([{ flags: 0xe0, type: 99, value: Buffer.from([0xab, 0xcd]) }]);
  });
});
