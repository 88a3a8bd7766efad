// The /vnc REST API over a real socket: Contrail body shapes, list options, the helper endpoints,
// every error status, Bearer tokens, OpenAPI and the audit trail.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../server/engine/config/api";
import { OBJECT_TYPES } from "../server/engine/model/types";
import { DEFAULT_IPAM, type TestServer, startServer, vnBody } from "./helpers";

// Response bodies are checked field by field; a loose type keeps the assertions readable.
type J = Record<string, any>;
type User = { email: string; password: string };

let s: TestServer;
let adminActor: Actor;
const P = ["default-domain", "rest"];
let project: J;
let vn: J;
let port: J;

const basic = (u: User) => `Basic ${Buffer.from(`${u.email}:${u.password}`).toString("base64")}`;

async function body(r: Response, status = 200): Promise<J> {
  const text = await r.text();
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${text}`);
  return JSON.parse(text) as J;
}

const create = (type: string, obj: J, user: User = s.admin) => s.as(user, `/vnc/${type}s`, { method: "POST", json: { [type]: obj } });
const put = (type: string, uuid: string, obj: J, user: User = s.admin) => s.as(user, `/vnc/${type}/${uuid}`, { method: "PUT", json: { [type]: obj } });
const del = (type: string, uuid: string, user: User = s.admin) => s.as(user, `/vnc/${type}/${uuid}`, { method: "DELETE" });
const get = async (path: string, user: User = s.admin) => body(await s.as(user, path));
const total = () => OBJECT_TYPES.reduce((n, t) => n + s.services.engine.config.count(t), 0);

beforeAll(async () => {
  s = await startServer();
  adminActor = (await s.services.accounts.actorFromHeaders(new Headers({ authorization: basic(s.admin) }), "api"))!;
  project = (await body(await create("project", { fq_name: P, parent_type: "domain" }))).project;
  vn = (await body(await create("virtual-network", vnBody(P, "web", "10.1.0.0/24")))) ["virtual-network"];
  port = (await body(await create("virtual-machine-interface", { fq_name: [...P, "web-1"], parent_type: "project", virtual_network_refs: [{ to: vn.fq_name }] })))[
    "virtual-machine-interface"
  ];
});
afterAll(async () => {
  await s?.stop();
});

describe("Contrail body shapes", () => {
  it("wraps objects in their type and gives fq_name, parent and hrefs", () => {
    expect(project).toMatchObject({
      fq_name: P,
      name: "rest",
      parent_type: "domain",
      href: `${s.url}/vnc/project/${project.uuid}`,
      resource_version: 1,
    });
    expect(project.parent_href).toBe(`${s.url}/vnc/domain/${project.parent_uuid}`);
    expect(vn.parent_uuid).toBe(project.uuid);
    expect(vn.parent_href).toBe(`${s.url}/vnc/project/${project.uuid}`);
    expect(vn.id_perms).toMatchObject({ enable: true, creator: s.admin.email });
  });

  it("renders refs as to/href/attr/uuid", () => {
    const ipam = s.services.engine.config.getByFqName("network-ipam", DEFAULT_IPAM)!;
    expect(vn.network_ipam_refs).toEqual([
      {
        to: DEFAULT_IPAM,
        href: `${s.url}/vnc/network-ipam/${ipam.uuid}`,
        uuid: ipam.uuid,
        attr: { ipam_subnets: [expect.objectContaining({ subnet: { ip_prefix: "10.1.0.0", ip_prefix_len: 24 }, default_gateway: "10.1.0.254" })] },
      },
    ]);
    expect(port.virtual_network_refs).toEqual([{ to: vn.fq_name, href: `${s.url}/vnc/virtual-network/${vn.uuid}`, uuid: vn.uuid, attr: null }]);
  });

  it("lists children on the parent and back-refs on the target", async () => {
    const p = (await get(`/vnc/project/${project.uuid}`)).project;
    expect(p.virtual_networks).toEqual([{ to: vn.fq_name, href: `${s.url}/vnc/virtual-network/${vn.uuid}`, uuid: vn.uuid }]);
    expect(p.virtual_machine_interfaces.map((c: J) => c.uuid)).toEqual([port.uuid]);
    expect(p.security_groups.map((c: J) => c.to)).toEqual([[...P, "default"]]);
    const v = (await get(`/vnc/virtual-network/${vn.uuid}`))["virtual-network"];
    expect(v.virtual_machine_interface_back_refs).toEqual([{ to: port.fq_name, href: `${s.url}/vnc/virtual-machine-interface/${port.uuid}`, attr: null, uuid: port.uuid }]);
    const ipam = (await get(`/vnc/network-ipam/${vn.network_ipam_refs[0].uuid}`))["network-ipam"];
    const back = ipam.virtual_network_back_refs.find((b: J) => b.uuid === vn.uuid);
    expect(back.attr.ipam_subnets[0].subnet).toEqual({ ip_prefix: "10.1.0.0", ip_prefix_len: 24 });
  });
});

describe("lists", () => {
  let other: J;
  beforeAll(async () => {
    other = (await body(await create("virtual-network", vnBody(P, "db", "10.2.0.0/24", { router_external: true }))))["virtual-network"];
  });

  it("gives href, fq_name and uuid per object by default", async () => {
    const l = await get("/vnc/virtual-networks");
    expect(Object.keys(l)).toEqual(["virtual-networks"]);
    const web = l["virtual-networks"].find((x: J) => x.uuid === vn.uuid);
    expect(web).toEqual({ href: `${s.url}/vnc/virtual-network/${vn.uuid}`, fq_name: vn.fq_name, uuid: vn.uuid });
  });

  it("gives whole wrapped objects with detail=true", async () => {
    const l = await get("/vnc/virtual-networks?detail=true");
    const web = l["virtual-networks"].find((x: J) => x["virtual-network"].uuid === vn.uuid)["virtual-network"];
    expect(web.network_ipam_refs[0].attr.ipam_subnets[0].subnet.ip_prefix).toBe("10.1.0.0");
    expect(web.href).toBe(`${s.url}/vnc/virtual-network/${vn.uuid}`);
    // vnc_api (python) sends detail=True
    const py = await get(`/vnc/virtual-networks?detail=True&obj_uuids=${vn.uuid}`);
    expect(py["virtual-networks"][0]["virtual-network"].uuid).toBe(vn.uuid);
  });

  it("filters by parent_id, obj_uuids and filters=", async () => {
    const byParent = await get(`/vnc/virtual-networks?parent_id=${project.uuid}`);
    expect(byParent["virtual-networks"].map((x: J) => x.uuid).sort()).toEqual([vn.uuid, other.uuid].sort());
    const defaultProject = s.services.engine.config.getByFqName("project", ["default-domain", "default-project"])!;
    expect((await get(`/vnc/virtual-networks?parent_id=${defaultProject.uuid}`))["virtual-networks"]).toEqual([]);
    const byUuid = await get(`/vnc/virtual-networks?obj_uuids=${other.uuid}`);
    expect(byUuid["virtual-networks"].map((x: J) => x.uuid)).toEqual([other.uuid]);
    const external = await get("/vnc/virtual-networks?filters=router_external==true");
    expect(external["virtual-networks"].map((x: J) => x.uuid)).toEqual([other.uuid]);
    const onWeb = await get(`/vnc/virtual-machine-interfaces?back_ref_id=${vn.uuid}`);
    expect(onWeb["virtual-machine-interfaces"].map((x: J) => x.uuid)).toEqual([port.uuid]);
    expect((await get(`/vnc/virtual-machine-interfaces?back_ref_id=${other.uuid}`))["virtual-machine-interfaces"]).toEqual([]);
    expect((await body(await s.as(s.admin, "/vnc/virtual-networks?filters=router_external"), 400)).message).toMatch(/<field>==<value>/);
  });

  it("returns only the asked fields with fields=", async () => {
    const l = await get(`/vnc/virtual-networks?detail=true&obj_uuids=${other.uuid}&fields=router_external`);
    const o = l["virtual-networks"][0]["virtual-network"];
    expect(o.router_external).toBe(true);
    expect(o.uuid).toBe(other.uuid);
    expect(o.network_ipam_refs).toBeUndefined();
    expect(o.virtual_network_properties).toBeUndefined();
    const one = (await get(`/vnc/virtual-network/${other.uuid}?fields=router_external`))["virtual-network"];
    expect(Object.keys(one).sort()).toEqual(["fq_name", "href", "name", "parent_type", "parent_uuid", "router_external", "uuid"]);
  });

  it("counts with count=true", async () => {
    expect(await get("/vnc/virtual-networks?count=true")).toEqual({ "virtual-networks": { count: 2 } });
    expect(await get(`/vnc/virtual-machine-interfaces?count=true&parent_id=${project.uuid}`)).toEqual({ "virtual-machine-interfaces": { count: 1 } });
  });
});

describe("one object by uuid", () => {
  it("GETs, PUTs (bumping resource_version) and DELETEs", async () => {
    const created = (await body(await create("network-policy", { fq_name: [...P, "pol"], parent_type: "project" })))["network-policy"];
    const got = (await get(`/vnc/network-policy/${created.uuid}`))["network-policy"];
    expect(got.fq_name).toEqual([...P, "pol"]);
    const rule = {
      direction: "<>",
      protocol: "tcp",
      src_addresses: [{ virtual_network: "any" }],
      dst_addresses: [{ virtual_network: vn.fq_name.join(":") }],
      dst_ports: [{ start_port: 443, end_port: 443 }],
      action_list: { simple_action: "pass" },
    };
    const updated = (await body(await put("network-policy", created.uuid, { network_policy_entries: { policy_rule: [rule] }, resource_version: 1 })))["network-policy"];
    expect(updated.resource_version).toBe(2);
    expect(updated.network_policy_entries.policy_rule[0]).toMatchObject({ protocol: "tcp", ethertype: "IPv4", action_list: { simple_action: "pass" } });
    expect(updated.network_policy_entries.policy_rule[0].rule_uuid).toMatch(/^[0-9a-f-]{36}$/);
    // a PUT that changes nothing keeps the version
    const same = (await body(await put("network-policy", created.uuid, { network_policy_entries: updated.network_policy_entries })))["network-policy"];
    expect(same.resource_version).toBe(2);
    expect(await body(await del("network-policy", created.uuid))).toEqual({});
    const gone = await body(await s.as(s.admin, `/vnc/network-policy/${created.uuid}`), 404);
    expect(gone.code).toBe("not_found");
  });
});

describe("fqname-to-id, id-to-fqname, ref-update", () => {
  it("maps fq_name and uuid both ways", async () => {
    expect(await body(await s.as(s.admin, "/vnc/fqname-to-id", { method: "POST", json: { type: "virtual-network", fq_name: vn.fq_name } }))).toEqual({ uuid: vn.uuid });
    expect(await body(await s.as(s.admin, "/vnc/id-to-fqname", { method: "POST", json: { uuid: vn.uuid } }))).toEqual({ type: "virtual-network", fq_name: vn.fq_name });
    await body(await s.as(s.admin, "/vnc/fqname-to-id", { method: "POST", json: { type: "virtual-network", fq_name: [...P, "nope"] } }), 404);
    await body(await s.as(s.admin, "/vnc/id-to-fqname", { method: "POST", json: { uuid: "00000000-0000-0000-0000-000000000000" } }), 404);
    await body(await s.as(s.admin, "/vnc/fqname-to-id", { method: "POST", json: { type: "virtual-network", fq_name: "a:b" } }), 400);
    for (const ep of ["fqname-to-id", "id-to-fqname", "ref-update"]) {
      const r = await body(await s.as(s.admin, `/vnc/${ep}`, { method: "POST", json: null }), 400);
      expect(r.message).toMatch(/JSON object/);
    }
  });

  it("adds and deletes a security group ref on a port", async () => {
    const sg = (await body(await create("security-group", { fq_name: [...P, "web-sg"], parent_type: "project" })))["security-group"];
    const ref = (operation: string) =>
      s.as(s.admin, "/vnc/ref-update", { method: "POST", json: { operation, type: "virtual-machine-interface", uuid: port.uuid, "ref-type": "security-group", "ref-uuid": sg.uuid } });
    expect(await body(await ref("ADD"))).toEqual({ uuid: port.uuid });
    let p = (await get(`/vnc/virtual-machine-interface/${port.uuid}`))["virtual-machine-interface"];
    expect(p.security_group_refs).toEqual([{ to: sg.fq_name, href: `${s.url}/vnc/security-group/${sg.uuid}`, attr: null, uuid: sg.uuid }]);
    const back = (await get(`/vnc/security-group/${sg.uuid}`))["security-group"].virtual_machine_interface_back_refs;
    expect(back.map((b: J) => b.uuid)).toEqual([port.uuid]);
    expect(await body(await ref("DELETE"))).toEqual({ uuid: port.uuid });
    p = (await get(`/vnc/virtual-machine-interface/${port.uuid}`))["virtual-machine-interface"];
    expect(p.security_group_refs).toEqual([]);
    const byFq = await s.as(s.admin, "/vnc/ref-update", {
      method: "POST",
      json: { operation: "ADD", type: "virtual-machine-interface", uuid: port.uuid, "ref-type": "security-group", "ref-fq-name": [...P, "default"] },
    });
    expect(await body(byFq)).toEqual({ uuid: port.uuid });
    const bad = await body(await s.as(s.admin, "/vnc/ref-update", { method: "POST", json: { operation: "MOVE", type: "virtual-machine-interface", uuid: port.uuid } }), 400);
    expect(bad.message).toMatch(/operation/);
    const wrongType = await body(
      await s.as(s.admin, "/vnc/ref-update", { method: "POST", json: { operation: "ADD", type: "virtual-machine-interface", uuid: port.uuid, "ref-type": "network-policy", "ref-uuid": sg.uuid } }),
      400,
    );
    expect(wrongType.issues[0].field).toBe("ref-type");
  });
});

describe("400 bad request", () => {
  const bad = async (r: Response) => body(r, 400);

  it("refuses a body that is not JSON, not wrapped, or has unknown fields", async () => {
    const notJson = await bad(await s.as(s.admin, "/vnc/virtual-networks", { method: "POST", body: "{nope", headers: { "content-type": "application/json" } }));
    expect(notJson.message).toMatch(/not valid JSON/);
    const empty = await bad(await s.as(s.admin, "/vnc/virtual-networks", { method: "POST" }));
    expect(empty.message).toMatch(/JSON body/);
    const unwrapped = await bad(await s.as(s.admin, "/vnc/virtual-networks", { method: "POST", json: vnBody(P, "x") }));
    expect(unwrapped.message).toMatch(/\{"virtual-network": \{\.\.\.\}\}/);
    expect(unwrapped.message).toMatch(/fq_name/);
    const wrongWrapper = await bad(await s.as(s.admin, "/vnc/virtual-networks", { method: "POST", json: { project: vnBody(P, "x") } }));
    expect(wrongWrapper.message).toMatch(/got key\(s\) project/);
    const unknown = await bad(await create("virtual-network", { ...vnBody(P, "x"), colour: "blue" }));
    expect(unknown.issues).toEqual([{ field: "colour", message: expect.stringMatching(/unknown field for virtual-network/) }]);
    const badType = await bad(await create("virtual-network", { ...vnBody(P, "x"), router_external: "yes" }));
    expect(badType.issues[0].field).toBe("router_external");
  });

  it("names the subnet field for host bits and a gateway outside the subnet", async () => {
    const hostBits = await bad(await create("virtual-network", vnBody(P, "x", "10.9.0.1/24")));
    expect(hostBits.issues[0].field).toBe("network_ipam_refs.0.attr.ipam_subnets.0.subnet");
    expect(hostBits.message).toMatch(/host bits/);
    const gw = vnBody(P, "x", "10.9.0.0/24");
    gw.network_ipam_refs[0].attr.ipam_subnets[0] = { ...gw.network_ipam_refs[0].attr.ipam_subnets[0], default_gateway: "10.8.0.1" } as never;
    const outside = await bad(await create("virtual-network", gw));
    expect(outside.issues).toEqual([{ field: "network_ipam_refs.0.attr.ipam_subnets.0.default_gateway", message: expect.stringMatching(/outside the subnet 10.9.0.0\/24/) }]);
  });

  it("names the field for a bad route target and a bad name", async () => {
    const rt = await bad(await create("virtual-network", vnBody(P, "x", "10.9.0.0/24", { route_target_list: { route_target: ["target:64512:1", "64512:2"] } })));
    expect(rt.issues).toEqual([{ field: "route_target_list.route_target.1", message: expect.stringMatching(/not a route target/) }]);
    const auto = await bad(await create("virtual-network", vnBody(P, "x", "10.9.0.0/24", { import_route_target_list: { route_target: ["target:64512:8000001"] } })));
    expect(auto.issues[0].field).toBe("import_route_target_list.route_target.0");
    const name = await bad(await create("virtual-network", vnBody(P, "bad name!")));
    expect(name.issues[0].field).toBe("fq_name");
    expect(name.message).toMatch(/may contain only letters, digits/);
  });

  it("refuses a change of fq_name on PUT and a wrong method", async () => {
    const r = await bad(await put("virtual-network", vn.uuid, { fq_name: [...P, "renamed"] }));
    expect(r.issues[0].field).toBe("fq_name");
    const rv = await bad(await put("virtual-network", vn.uuid, { resource_version: "1", is_shared: true }));
    expect(rv.issues[0].field).toBe("resource_version");
    const m = await bad(await s.as(s.admin, "/vnc/virtual-networks", { method: "PUT", json: {} }));
    expect(m.message).toMatch(/GET or POST/);
  });
});

describe("401 unauthorized", () => {
  it("asks for credentials with www-authenticate", async () => {
    for (const r of [
      await s.as(null, "/vnc/virtual-networks"),
      await s.as({ email: s.admin.email, password: "wrong-password" }, "/vnc/virtual-networks"),
      await s.as(null, "/vnc/virtual-networks", { headers: { authorization: "Bearer weft_not-a-token" } }),
      await s.as(null, "/vnc/virtual-networks", { method: "POST", json: { "virtual-network": vnBody(P, "anon") } }),
    ]) {
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toMatch(/^Basic realm="weft"/);
      expect((await r.json()).message).toMatch(/authentication required/);
    }
    expect(s.services.engine.config.getByFqName("virtual-network", [...P, "anon"])).toBeUndefined();
  });
});

describe("403 forbidden", () => {
  it("lets a viewer read but not write, and writes nothing", async () => {
    const before = total();
    const auditBefore = (await s.services.engine.config.audit({ limit: 1000 })).length;
    expect((await s.as(s.viewer, `/vnc/virtual-network/${vn.uuid}`)).status).toBe(200);
    const post = await body(await create("virtual-network", vnBody(P, "viewer-vn"), s.viewer), 403);
    expect(post.message).toMatch(/viewer role: read-only/);
    await body(await put("virtual-network", vn.uuid, { router_external: true }, s.viewer), 403);
    await body(await del("virtual-machine-interface", port.uuid, s.viewer), 403);
    await body(await s.as(s.viewer, "/vnc/ref-update", { method: "POST", json: { operation: "DELETE", type: "virtual-machine-interface", uuid: port.uuid, "ref-type": "virtual-network", "ref-uuid": vn.uuid } }), 403);
    expect(total()).toBe(before);
    expect(s.services.engine.config.find(vn.uuid)?.router_external).toBe(false);
    expect(s.services.engine.config.find(port.uuid)).toBeDefined();
    expect((await s.services.engine.config.audit({ limit: 1000 })).length).toBe(auditBefore);
  });

  it("limits an operator to the projects granted to them", async () => {
    const ops = (await body(await create("project", { fq_name: ["default-domain", "ops"], parent_type: "domain" }))).project;
    const operator = (await s.services.accounts.listUsers()).find((u) => u.email === s.operator.email)!;
    const refused = await body(await create("virtual-network", vnBody(["default-domain", "ops"], "net"), s.operator), 403);
    expect(refused.message).toMatch(/not granted on project default-domain:ops/);
    expect(s.services.engine.config.getByFqName("virtual-network", ["default-domain", "ops", "net"])).toBeUndefined();

    await s.services.accounts.updateUser({ id: operator.id, projectUuids: [ops.uuid] }, adminActor);
    const net = (await body(await create("virtual-network", vnBody(["default-domain", "ops"], "net"), s.operator)))["virtual-network"];
    expect(net.id_perms.creator).toBe(s.operator.email);
    await body(await put("virtual-network", net.uuid, { is_shared: true }, s.operator));
    // still nothing outside the grant, and no project-level writes
    await body(await put("virtual-network", vn.uuid, { is_shared: true }, s.operator), 403);
    await body(await create("virtual-network", vnBody(P, "op-vn"), s.operator), 403);
    await body(await put("project", ops.uuid, { display_name: "Ops" }, s.operator), 403);
    await body(await del("virtual-network", net.uuid, s.operator));
    // only an admin deletes a project; its default security group goes with it
    const sg = s.services.engine.config.getByFqName("security-group", ["default-domain", "ops", "default"])!;
    await body(await del("project", ops.uuid, s.operator), 403);
    await body(await del("project", ops.uuid));
    expect(s.services.engine.config.find(sg.uuid)).toBeUndefined();
  });
});

describe("404 not found", () => {
  it("reports unknown types, uuids and ref targets", async () => {
    const t = await body(await s.as(s.admin, `/vnc/logical-router/${vn.uuid}`), 404);
    expect(t.message).toMatch(/unknown type "logical-router"/);
    await body(await s.as(s.admin, "/vnc/logical-routers"), 404);
    const u = await body(await s.as(s.admin, "/vnc/virtual-network/00000000-0000-0000-0000-000000000000"), 404);
    expect(u.message).toMatch(/virtual-network 00000000-0000-0000-0000-000000000000 not found/);
    // an existing uuid of another type is not found either
    await body(await s.as(s.admin, `/vnc/project/${vn.uuid}`), 404);
    await body(await put("virtual-network", "00000000-0000-0000-0000-000000000000", { is_shared: true }), 404);
    await body(await del("virtual-network", "00000000-0000-0000-0000-000000000000"), 404);
    const ref = await body(await create("virtual-machine-interface", { fq_name: [...P, "p404"], parent_type: "project", virtual_network_refs: [{ to: [...P, "missing"] }] }), 404);
    expect(ref.message).toMatch(/virtual_network_refs\.0: virtual-network default-domain:rest:missing does not exist/);
    expect(ref.issues[0].field).toBe("virtual_network_refs.0");
    const parent = await body(await create("virtual-network", vnBody(["default-domain", "no-such-project"], "x")), 404);
    expect(parent.issues[0].field).toBe("fq_name");
  });
});

describe("409 conflict", () => {
  it("refuses a duplicate fq_name", async () => {
    const r = await body(await create("virtual-network", vnBody(P, "web", "10.3.0.0/24")), 409);
    expect(r.message).toMatch(/default-domain:rest:web already exists/);
  });

  it("refuses to delete a network that still has ports, listing them", async () => {
    const r = await body(await del("virtual-network", vn.uuid), 409);
    expect(r.message).toMatch(/still in use/);
    expect(r.message).toContain("virtual-machine-interface default-domain:rest:web-1");
    expect(r.details.back_refs).toEqual([expect.objectContaining({ uuid: port.uuid, field: "virtual_network_refs" })]);
    expect(s.services.engine.config.find(vn.uuid)).toBeDefined();
  });

  it("refuses a PUT based on a stale resource_version", async () => {
    const cur = (await get(`/vnc/virtual-network/${vn.uuid}`))["virtual-network"];
    await body(await put("virtual-network", vn.uuid, { display_name: "Web tier", resource_version: cur.resource_version }));
    const r = await body(await put("virtual-network", vn.uuid, { display_name: "Web", resource_version: cur.resource_version }), 409);
    expect(r.message).toMatch(/changed by someone else/);
    expect(r.details).toEqual({ resource_version: cur.resource_version + 1 });
    expect(s.services.engine.config.find(vn.uuid)?.display_name).toBe("Web tier");
  });
});

describe("Bearer API tokens", () => {
  it("authenticates with a token until it is revoked", async () => {
    const { id, token } = await s.services.accounts.createToken(adminActor, "rest-test");
    const auth = { authorization: `Bearer ${token}` };
    const r = await s.as(null, "/vnc/virtual-networks", { method: "POST", headers: auth, json: { "virtual-network": vnBody(P, "by-token", "10.4.0.0/24") } });
    const created = (await body(r))["virtual-network"];
    expect(created.id_perms.creator).toBe(s.admin.email);
    await s.services.accounts.revokeToken(adminActor, id);
    const after = await s.as(null, "/vnc/virtual-networks", { headers: auth });
    expect(after.status).toBe(401);
  });

  it("gives a viewer's token the viewer's rights", async () => {
    const viewer = (await s.services.accounts.actorFromHeaders(new Headers({ authorization: basic(s.viewer) }), "api"))!;
    const { token } = await s.services.accounts.createToken(viewer, "ro");
    const headers = { authorization: `Bearer ${token}` };
    expect((await s.as(null, "/vnc/virtual-networks", { headers })).status).toBe(200);
    expect((await s.as(null, `/vnc/virtual-network/${vn.uuid}`, { method: "DELETE", headers })).status).toBe(403);
  });
});

describe("OpenAPI", () => {
  it("describes every type at /vnc/openapi.json, without authentication", async () => {
    const r = await s.as(null, "/vnc/openapi.json");
    const doc = await body(r);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBeTruthy();
    expect(doc.servers).toEqual([{ url: `${s.url}/vnc` }]);
    for (const t of OBJECT_TYPES) {
      expect(Object.keys(doc.paths[`/${t}s`]).sort()).toEqual(["get", "post"]);
      expect(Object.keys(doc.paths[`/${t}/{uuid}`])).toEqual(expect.arrayContaining(["get", "put", "delete"]));
      expect(doc.components.schemas[t].type).toBe("object");
    }
    for (const p of ["/fqname-to-id", "/id-to-fqname", "/ref-update"]) expect(doc.paths[p].post).toBeDefined();
    expect(doc.components.schemas["virtual-network"].properties.network_ipam_refs.type).toBe("array");
    expect(doc.components.schemas["virtual-network"].properties.router_external).toEqual(expect.objectContaining({ type: "boolean" }));
    expect(doc.components.securitySchemes).toEqual({ basic: { type: "http", scheme: "basic" }, bearer: { type: "http", scheme: "bearer" } });
    // every $ref resolves
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(OBJECT_TYPES.length);
    for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeDefined();
  });
});

describe("audit", () => {
  it("records REST changes with source api, the actor and a diff", async () => {
    const created = (await body(await create("security-group", { fq_name: [...P, "audited"], parent_type: "project" })))["security-group"];
    await body(await put("security-group", created.uuid, { id_perms: { description: "audited group" } }));
    await body(await del("security-group", created.uuid));
    const rows = await s.services.engine.config.audit({ objectUuid: created.uuid });
    expect(rows.map((r) => r.action)).toEqual(["delete", "update", "create"]);
    for (const r of rows) expect(r).toMatchObject({ source: "api", actorEmail: s.admin.email, objectType: "security-group", fqName: "default-domain:rest:audited" });
    expect(rows[1].diff).toEqual([expect.objectContaining({ path: "id_perms.description", after: "audited group" })]);
  });

  it("marks weftctl's requests as source cli", async () => {
    const r = await s.as(s.admin, "/vnc/security-groups", { method: "POST", headers: { "x-weft-client": "weftctl" }, json: { "security-group": { fq_name: [...P, "from-cli"], parent_type: "project" } } });
    const sg = (await body(r))["security-group"];
    expect((await s.services.engine.config.audit({ objectUuid: sg.uuid }))[0].source).toBe("cli");
  });

  it("records nothing for refused writes", async () => {
    const before = await s.services.engine.config.audit({ limit: 1 });
    await body(await create("virtual-network", vnBody(P, "web", "10.5.0.0/24")), 409);
    await body(await create("virtual-network", vnBody(P, "x", "10.5.0.1/24")), 400);
    await body(await create("virtual-network", vnBody(P, "x2"), s.viewer), 403);
    await body(await del("virtual-network", vn.uuid), 409);
    await body(await put("virtual-network", vn.uuid, { resource_version: 1, is_shared: true }), 409);
    const after = await s.services.engine.config.audit({ limit: 1 });
    expect(after[0].id).toBe(before[0].id);
  });
});
