// The hand-written RouteUpdate / PortUpdate codecs must be byte-compatible with agent.proto as proto-loader reads
// and writes it, in both directions, and leave every other message to proto-loader.
import * as protoLoader from "@grpc/proto-loader";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  LOADER_OPTIONS,
  PROTO_FILE,
  controlNodeService,
  encodeFlowRecordsMessage,
  encodePortsMessage,
  type FlowRecord,
  FlowRecordsDecoder,
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

  it("the service passes pre-encoded messages through, codes flow records by hand and keeps traffic on proto-loader", () => {
    const svc = controlNodeService().service.Session;
    const pre = encodeRouteUpdate({ add: [route(7)] });
    expect(svc.responseSerialize(pre as never)).toBe(pre);
    expect(svc.responseDeserialize(pre)).toEqual({ msg: "routes", routes: { add: [route(7)], delete: [] } });
    const flows = { msg: "flow_records", flow_records: { node: "compute-1", seq: 3, records: [flowRecord(1)], exported_records: 10, dropped_batches: 0, dropped_records: 0, interval_ms: 1000 } };
    const fb = svc.requestSerialize(flows as never);
    expect(fb.equals(encodeFlowRecordsMessage(flows.flow_records)!)).toBe(true);
    expect(svc.requestDeserialize(fb)).toEqual(flows);
    expect(agent.deserialize(fb)).toEqual({ msg: "flow_records", flow_records: asLoader(flows.flow_records) });
    // 64-bit values given as strings (proto-loader's own form) go through proto-loader
    const stringy = { msg: "flow_records", flow_records: { ...flows.flow_records, seq: "3" } };
    expect(svc.requestSerialize(stringy as never).equals(agent.serialize(stringy))).toBe(true);
    // ControlMessage's field 9 is `global`: not a flow-record batch
    const global = { msg: "global", global: { encapsulation_priorities: ["VXLAN"] } };
    const gb = svc.responseSerialize(global as never);
    expect(svc.responseDeserialize(gb)).toEqual(control.deserialize(gb));
    const traffic = { msg: "traffic", traffic: { id: "t1", items: [{ port_uuid: "u", protocol: "tcp", src: "", dst: "10.0.0.1", src_port: 1, dst_port: 2, packets: 3, bytes_per_packet: 100 }] } };
    const tb = svc.responseSerialize(traffic as never);
    expect(svc.responseDeserialize(tb)).toEqual(control.deserialize(tb));
  });
});

const flowRecord = (i: number, extra: Partial<FlowRecord> = {}): FlowRecord => ({
  flow_id: `compute-1:${i}`, start_ms: 1_760_000_000_000 + i, end_ms: 1_760_000_001_000 + i, vrf: "default-domain:p:web:web", protocol: 6, src_ip: `10.1.0.${i % 250}`, dst_ip: "10.2.0.252",
  src_port: 40000 + i, dst_port: 443, direction: "egress", action: "pass", reason: "allowed", rule_acl: "vn:default-domain:p:web", rule_uuid: "", rule_origin: "network-policy default-domain:p:pol rule 2",
  src_vmi: "8f0c6f2e-5a4b-4c1d-9e2f-0123456789ab", dst_vmi: "", src_vn: "default-domain:p:web", dst_vn: "", nat_src_ip: "", nat_dst_ip: "", nh_node: "compute-2", nh_address: "127.0.1.2", encap: "MPLSoUDP",
  packets: 5 + i, bytes: 500 * (i + 1), reverse: i % 2 === 1, first: i === 0, status: "active", src_vmi_name: "default-domain:p:web-1", dst_vmi_name: "",
  ...extra,
});

/** What proto-loader (longs: String) makes of a batch: 64-bit values as decimal strings. */
type Batch = { node: string; seq: number; records: FlowRecord[]; exported_records: number; dropped_batches: number; dropped_records: number; interval_ms: number };
const asLoader = (b: Batch) => ({
  ...b,
  seq: String(b.seq),
  exported_records: String(b.exported_records),
  dropped_batches: String(b.dropped_batches),
  dropped_records: String(b.dropped_records),
  records: b.records.map((r) => ({ ...r, start_ms: String(r.start_ms), end_ms: String(r.end_ms), packets: String(r.packets), bytes: String(r.bytes) })),
});
const u53 = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffffffff }), fc.maxSafeInteger().filter((n) => n >= 0));
const arbRecord: fc.Arbitrary<FlowRecord> = fc.record({
  flow_id: str, start_ms: u53, end_ms: u53, vrf: str, protocol: fc.integer({ min: 0, max: 255 }), src_ip: str, dst_ip: str, src_port: u32, dst_port: u32, direction: str, action: str, reason: str,
  rule_acl: str, rule_uuid: str, rule_origin: str, src_vmi: str, dst_vmi: str, src_vn: str, dst_vn: str, nat_src_ip: str, nat_dst_ip: str, nh_node: str, nh_address: str, encap: str,
  packets: u53, bytes: u53, reverse: fc.boolean(), first: fc.boolean(), status: str, src_vmi_name: str, dst_vmi_name: str,
});
const arbBatch: fc.Arbitrary<Batch> = fc.record({ node: str, seq: u53, records: fc.array(arbRecord, { maxLength: 4 }), exported_records: u53, dropped_batches: u53, dropped_records: u53, interval_ms: u32 });

describe("flow records codec", () => {
  it("what the agent encodes, proto-loader decodes to the same batch", () => {
    fc.assert(
      fc.property(arbBatch, (b) => {
        expect(agent.deserialize(encodeFlowRecordsMessage(b)!)).toEqual({ msg: "flow_records", flow_records: asLoader(b) });
      }),
    );
  });

  it("decodes what proto-loader encodes, 64-bit values as numbers", () => {
    const d = new FlowRecordsDecoder();
    fc.assert(
      fc.property(arbBatch, (b) => {
        expect(d.decode(agent.serialize({ msg: "flow_records", flow_records: asLoader(b) }))).toEqual(b);
      }),
    );
  });

  it("values repeating across records and batches (served from its string table) and many distinct ones decode right", () => {
    const d = new FlowRecordsDecoder();
    const batch = (from: number, n = 3, extra: (i: number) => Partial<FlowRecord> = () => ({})) => ({
      node: "compute-1", seq: from, records: Array.from({ length: n }, (_, k) => flowRecord(from + k, extra(from + k))), exported_records: 0, dropped_batches: 0, dropped_records: 0, interval_ms: 1000,
    });
    expect(d.decode(encodeFlowRecordsMessage(batch(0))!)).toEqual(batch(0));
    expect(d.decode(encodeFlowRecordsMessage(batch(3))!)).toEqual(batch(3));
    // more distinct values than the table has slots (8,192): every one still reads back exactly
    const many = batch(0, 20_000, (i) => ({ dst_ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, src_vmi: `port-${i}`, rule_origin: `rule ${i % 9000}` }));
    expect(d.decode(encodeFlowRecordsMessage(many)!)).toEqual(many);
    expect(d.decode(encodeFlowRecordsMessage(many)!)).toEqual(many);
  });

  it("leaves other messages, malformed bytes and values it does not write to the general codec", () => {
    const d = new FlowRecordsDecoder();
    const ok = encodeFlowRecordsMessage({ node: "compute-1", seq: 1, records: [flowRecord(0)] })!;
    expect(d.decode(agent.serialize({ msg: "hello", hello: { name: "compute-1" } }))).toBeNull();
    expect(d.decode(ok.subarray(0, ok.length - 3))).toBeNull();
    expect(d.decode(Buffer.concat([ok, Buffer.from([0x3a, 0])]))).toBeNull();
    expect(encodeFlowRecordsMessage({ node: "x", seq: -1 })).toBeNull();
    expect(encodeFlowRecordsMessage({ node: "x", records: [flowRecord(0, { packets: "5" })] })).toBeNull();
    expect(encodeFlowRecordsMessage({ node: "x", records: [flowRecord(0, { src_port: 70_000.5 })] })).toBeNull();
  });
});
