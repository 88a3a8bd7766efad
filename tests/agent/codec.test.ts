// The hand-written RouteUpdate / PortUpdate codecs must be byte-compatible with agent.proto as proto-loader reads
// and writes it, in both directions, and leave every other message to proto-loader.
import * as protoLoader from "@grpc/proto-loader";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  LOADER_OPTIONS,
  PROTO_FILE,
  controlNodeService,
  encodePortsMessage,
  encodeRoute,
  encodeRoutesMessage,
  encodeRouteUpdate,
  type Port,
  RouteDecoder,
  type Route,
} from "../../server/engine/protocol/index.ts";

const def = protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS);
const control = def["weft.agent.v1.ControlMessage"] as unknown as { serialize: (m: unknown) => Buffer; deserialize: (b: Buffer) => unknown };
const agent = def["weft.agent.v1.AgentMessage"] as unknown as { serialize: (m: unknown) => Buffer; deserialize: (b: Buffer) => unknown };

const route = (i: number, extra: Partial<Route> = {}): Route => ({
  vrf: "default-domain:p:vn-1:vn-1",
  prefix: `10.1.${i >> 8}.${i & 255}/32`,
  next_hops: [{ address: "127.1.0.1", label: 16 + i, vni: 5, encapsulations: ["MPLSoGRE", "MPLSoUDP", "VXLAN"], node: "compute-1", data_port: 40000 }],
  source: "agent:compute-1",
  why: [],
  port_uuid: `uuid-${i}`,
  ...extra,
});

const str = fc.oneof(fc.string({ unit: "grapheme", maxLength: 12 }), fc.string({ unit: "grapheme-ascii", minLength: 60, maxLength: 80 }), fc.string({ unit: "grapheme", minLength: 60, maxLength: 80 }));
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const arbRoute: fc.Arbitrary<Route> = fc.record({
  vrf: str,
  prefix: str,
  next_hops: fc.array(fc.record({ address: str, label: u32, vni: u32, encapsulations: fc.array(str, { maxLength: 4 }), node: str, data_port: u32 }), { maxLength: 3 }),
  source: str,
  why: fc.array(str, { maxLength: 3 }),
  port_uuid: str,
});

const arbPort: fc.Arbitrary<Port> = fc.record({
  uuid: str,
  fq_name: str,
  vrf: str,
  network_uuid: str,
  network_fq_name: str,
  mac: str,
  addresses: fc.array(str, { maxLength: 3 }),
  acls: fc.array(str, { maxLength: 3 }),
  network_acl: str,
  floating_ips: fc.array(fc.record({ address: str, fixed_address: str, vrf: str, direction: str }), { maxLength: 2 }),
});

describe("codec", () => {
  it("a ports update it encodes, proto-loader decodes to the same ports", () => {
    fc.assert(
      fc.property(fc.array(arbPort, { maxLength: 4 }), fc.array(str, { maxLength: 3 }), (add, del) => {
        expect(control.deserialize(encodePortsMessage({ add, delete: del }))).toEqual({ msg: "ports", ports: { add, delete: del } });
      }),
    );
    // partial objects (proto3 defaults) as the control node may send them
    expect(control.deserialize(encodePortsMessage({ add: [{ uuid: "u1", addresses: ["10.0.0.1"] }] }))).toMatchObject({ ports: { add: [{ uuid: "u1", vrf: "", addresses: ["10.0.0.1"], floating_ips: [] }], delete: [] } });
  });

  it("what it encodes, proto-loader decodes to the same routes (ControlMessage and AgentMessage)", () => {
    fc.assert(
      fc.property(fc.array(arbRoute, { maxLength: 5 }), fc.array(fc.record({ vrf: str, prefix: str }), { maxLength: 3 }), (add, del) => {
        const bytes = encodeRoutesMessage(add.map(encodeRoute), del);
        for (const t of [control, agent]) expect(t.deserialize(bytes)).toEqual({ msg: "routes", routes: { add, delete: del } });
        expect(bytes.equals(encodeRouteUpdate({ add, delete: del }))).toBe(true);
      }),
    );
  });

  it("decodes what proto-loader encodes", () => {
    fc.assert(
      fc.property(fc.array(arbRoute, { maxLength: 5 }), fc.array(fc.record({ vrf: str, prefix: str }), { maxLength: 3 }), (add, del) => {
        const bytes = control.serialize({ msg: "routes", routes: { add, delete: del } });
        expect(new RouteDecoder().decodeRoutesMessage(bytes)).toEqual({ add, delete: del });
      }),
    );
  });

  it("repeated strings come back as equal values across messages", () => {
    const d = new RouteDecoder();
    const a = d.decodeRoutesMessage(encodeRouteUpdate({ add: [route(1), route(2)] }))!;
    const b = d.decodeRoutesMessage(encodeRouteUpdate({ add: [route(3)] }))!;
    expect(a.add.map((r) => r.prefix)).toEqual(["10.1.0.1/32", "10.1.0.2/32"]);
    expect(b.add[0]).toEqual(route(3));
    expect(a.add[1].next_hops[0].encapsulations).toBe(a.add[0].next_hops[0].encapsulations);
  });

  it("leaves other messages (and malformed bytes) to the general decoder", () => {
    const d = new RouteDecoder();
    expect(d.decodeRoutesMessage(control.serialize({ msg: "end_of_rib", end_of_rib: { vrf: "x" } }))).toBeNull();
    const ok = encodeRouteUpdate({ add: [route(1)] });
    expect(d.decodeRoutesMessage(ok.subarray(0, ok.length - 3))).toBeNull();
    expect(d.decodeRoutesMessage(Buffer.concat([ok, Buffer.from([0x3a, 0])]))).toBeNull();
  });

  it("the service passes pre-encoded messages through and keeps flow records and traffic on proto-loader", () => {
    const svc = controlNodeService().service.Session;
    const pre = encodeRouteUpdate({ add: [route(7)] });
    expect(svc.responseSerialize(pre as never)).toBe(pre);
    expect(svc.responseDeserialize(pre)).toEqual({ msg: "routes", routes: { add: [route(7)], delete: [] } });
    const flows = { msg: "flow_records", flow_records: { node: "compute-1", seq: "3", records: [], exported_records: "10", dropped_batches: "0", dropped_records: "0", interval_ms: 1000 } };
    const fb = svc.requestSerialize(flows as never);
    expect(fb.equals(agent.serialize(flows))).toBe(true);
    expect(svc.requestDeserialize(fb)).toEqual(agent.deserialize(fb));
    const traffic = { msg: "traffic", traffic: { id: "t1", items: [{ port_uuid: "u", protocol: "tcp", src: "", dst: "10.0.0.1", src_port: 1, dst_port: 2, packets: 3, bytes_per_packet: 100 }] } };
    const tb = svc.responseSerialize(traffic as never);
    expect(svc.responseDeserialize(tb)).toEqual(control.deserialize(tb));
  });
});
