import { describe, expect, it } from "vitest";
import { ecmpIndex, flowHash } from "../../server/engine/agent/ecmp.ts";
import type { Tuple } from "../../server/engine/agent/packet.ts";

const t = (srcPort: number, dst = "10.0.0.100"): Tuple => ({ protocol: 6, src: "10.0.0.1", dst, srcPort, dstPort: 80 });

describe("ECMP flow hash", () => {
  it("is stable: the same tuple always picks the same next hop", () => {
    expect(flowHash(t(1234))).toBe(flowHash(t(1234)));
    for (let i = 0; i < 100; i++) expect(ecmpIndex(t(i), 3)).toBe(ecmpIndex(t(i), 3));
    // pinned value: the hash must not change between releases (agents on other versions agree)
    expect(flowHash(t(1234))).toBe(4067622771);
  });

  it("spreads flows evenly over 2, 3 and 4 next hops", () => {
    for (const n of [2, 3, 4]) {
      const counts = new Array(n).fill(0);
      const flows = 12_000;
      for (let i = 0; i < flows; i++) counts[ecmpIndex(t(10_000 + i), n)]++;
      for (const c of counts) expect(Math.abs(c - flows / n) / (flows / n)).toBeLessThan(0.05);
    }
  });

  it("spreads sequential addresses too (not only ports)", () => {
    const counts = [0, 0];
    for (let i = 1; i < 255; i++) counts[ecmpIndex({ protocol: 6, src: `10.0.0.${i}`, dst: "10.0.0.100", srcPort: 5555, dstPort: 80 }, 2)]++;
    expect(Math.min(...counts)).toBeGreaterThan(100);
  });

  it("one next hop or none: index 0", () => {
    expect(ecmpIndex(t(1), 1)).toBe(0);
    expect(ecmpIndex(t(1), 0)).toBe(0);
  });
});
