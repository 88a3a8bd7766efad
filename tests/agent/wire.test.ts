import dgram from "node:dgram";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decode, encodeData, encodeReply, FLAG_TRACE, FLAG_WANT_REPLY } from "../../server/engine/agent/dataplane/wire.ts";
import { startAgent } from "../../server/engine/agent/main.ts";
import { LabelAllocator } from "../../server/engine/agent/state.ts";
import { port, VN1, VN2, vrf } from "./harness.ts";

describe("sim data plane wire format v1", () => {
  it("round-trips DATA (IPv4 and IPv6) and REPLY", () => {
    const data = { flags: FLAG_WANT_REPLY | FLAG_TRACE, id: 0xfffffffe, encap: "VXLAN", key: 0xabcdef, tuple: { protocol: 17, src: "10.0.0.1", dst: "10.0.0.2", srcPort: 65535, dstPort: 53 }, node: "compute-1" };
    const buf = encodeData(data);
    expect(buf.length).toBe(20 + 8 + 9);
    expect(decode(buf)).toEqual({ ok: true, value: { type: 1, ...data } });
    const v6 = { ...data, tuple: { ...data.tuple, src: "fd00:0:0:0:0:0:0:1", dst: "fd00:0:0:0:0:0:0:2" } };
    expect(decode(encodeData(v6))).toEqual({ ok: true, value: { type: 1, ...v6 } });
    const reply = { flags: 3, id: 7, verdict: "dropped" as const, reason: "unknown label 37", delivered_to: "", node: "compute-2", hops: [{ node: "compute-2", step: "drop", detail: "unknown label 37" }] };
    expect(decode(encodeReply(reply))).toEqual({ ok: true, value: { type: 2, ...reply } });
  });

  it("returns errors, never throws, on arbitrary bytes (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const d = decode(Buffer.from(bytes));
        expect(typeof d.ok).toBe("boolean");
      }),
    );
    expect(decode(Buffer.from([0x57, 2, 1, 0, 0, 0, 0, 1]))).toEqual({ ok: false, error: "unsupported version 2" });
    expect(decode(Buffer.from("hello world"))).toMatchObject({ ok: false });
  });

  it("a running agent counts garbage datagrams and keeps working", async () => {
    const a = await startAgent({ name: "w1", address: "127.0.2.51", dataPort: 0, log: false });
    const s = dgram.createSocket("udp4");
    await new Promise<void>((r) => s.send(Buffer.from("garbage"), a.dataPort, "127.0.2.51", () => r()));
    await new Promise((r) => setTimeout(r, 100));
    expect(a.status().dataplane.decodeErrors).toBe(1);
    s.close();
    await a.stop();
  });
});

describe("MPLS labels", () => {
  it("start at 16, stay with their port, and are not reused while fresh ones remain", () => {
    const l = new LabelAllocator();
    expect(l.get("a")).toBe(16);
    expect(l.get("b")).toBe(17);
    expect(l.get("a")).toBe(16);
    l.release("a");
    expect(l.get("c")).toBe(18);
    expect(l.owner(16)).toBeUndefined();
  });
});

describe("floating IP (best effort)", () => {
  it("source-NATs traffic leaving through the FIP's VRF and destination-NATs the answer path", async () => {
    // Two offline agents: w2 hosts a port with a floating IP in VN2; w3 hosts a VN2 port.
    const w2 = await startAgent({ name: "w2", address: "127.0.2.52", dataPort: 0, log: false });
    const w3 = await startAgent({ name: "w3", address: "127.0.2.53", dataPort: 0, log: false });
    try {
      for (const a of [w2, w3]) a.apply({ msg: "vrfs", vrfs: { add: [vrf(VN1, 10), vrf(VN2, 20)], delete: [] } });
      w2.apply({ msg: "ports", ports: { add: [port("f1", VN1, ["10.1.0.5"], { floating_ips: [{ address: "192.0.2.10", fixed_address: "10.1.0.5", vrf: VN2, direction: "both" }] })], delete: [] } });
      w3.apply({ msg: "ports", ports: { add: [port("g1", VN2, ["192.0.2.50"])], delete: [] } });
      const nh = (a: typeof w2, uuid: string, vni: number) => ({ address: a.address, label: a.state.labels.peek(uuid)!, vni, encapsulations: [], node: a.name, data_port: a.dataPort });
      // What the control node would reflect: each agent's routes into VN2.
      const routes = [
        { vrf: VN2, prefix: "192.0.2.50/32", next_hops: [nh(w3, "g1", 20)], source: "agent:w3", why: [], port_uuid: "g1" },
        { vrf: VN2, prefix: "192.0.2.10/32", next_hops: [nh(w2, "f1", 20)], source: "agent:w2", why: [], port_uuid: "f1" },
      ];
      for (const a of [w2, w3]) a.apply({ msg: "routes", routes: { add: routes, delete: [] } });

      const out = await w2.inject("f1", { protocol: 6, src: "10.1.0.5", dst: "192.0.2.50", srcPort: 5555, dstPort: 80 });
      expect(out.verdict).toBe("delivered");
      expect(out.hops.find((h) => h.step === "nat")!.detail).toBe(`source 10.1.0.5 → 192.0.2.10 (floating IP, vrf ${VN2})`);
      expect(w3.flows().find((f) => !f.reverse)!.tuple.src).toBe("192.0.2.10");

      const back = await w3.inject("g1", { protocol: 6, src: "192.0.2.50", dst: "192.0.2.10", srcPort: 80, dstPort: 5555 });
      expect(back.verdict).toBe("delivered");
      expect(back.delivered_to).toBe("default-domain:test:f1");
      expect(back.hops.find((h) => h.node === "w2" && h.step === "nat")!.detail).toBe("destination 192.0.2.10 → 10.1.0.5 (floating IP of port default-domain:test:f1)");
    } finally {
      await Promise.all([w2.stop(), w3.stop()]);
    }
  });
});
