// The Kubernetes surfaces honour project grants (issue 14), over the real REST API: an operator
// applies, edits and deletes only in namespaces whose project (k8s-<ns>) it is granted; namespaces
// and other cluster-scoped objects are the admins'; annotations may not reach into another
// tenant's networks or pools; a delete runs and is audited as its caller. Every refusal is a 403
// and nothing is written — not in the store, not in the database, not in the config. Hostile YAML
// (alias bombs, deep nesting) is a 400 and the server keeps answering.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../server/engine/config/api";
import { type TestServer, startServer } from "../helpers";

let t: TestServer;
let operatorActor: Actor;

const YAML = { "content-type": "application/yaml" };
const apply = (user: TestServer["admin"] | null, yaml: string, q = "") => t.as(user, `/api/v1/kube/apply${q}`, { method: "POST", body: yaml, headers: YAML });
const del = (user: TestServer["admin"] | null, yaml: string) => t.as(user, "/api/v1/kube/apply", { method: "DELETE", body: yaml, headers: YAML });
const kube = () => t.services.engine.kube;
const rows = async (ns: string) => (await t.services.engine.db.$queryRawUnsafe<{ key: string }[]>(`SELECT "key" FROM "KubeObject" WHERE "namespace" = ?`, ns)).map((r) => r.key).sort();
const svc = (ns: string, name: string, extra = "") => `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: ${ns}${extra} }\nspec: { selector: { app: ${name} }, ports: [{ port: 80 }] }\n`;

beforeAll(async () => {
  t = await startServer();
  const r = await apply(t.admin, "apiVersion: v1\nkind: Namespace\nmetadata: { name: team-a }\n---\napiVersion: v1\nkind: Namespace\nmetadata: { name: team-b }\n---\n" + svc("team-b", "db"));
  expect(r.status).toBe(200);
  const a = t.services.engine.config.getByFqName("project", ["default-domain", "k8s-team-a"])!;
  const users = await t.services.accounts.listUsers();
  const op = users.find((u) => u.email === t.operator.email)!;
  const admin = users.find((u) => u.email === t.admin.email)!;
  await t.services.accounts.updateUser({ id: op.id, projectUuids: [a.uuid] }, { userId: admin.id, email: admin.email, role: "admin", source: "api" });
  operatorActor = { userId: op.id, email: op.email, role: "operator", source: "api", projectUuids: [a.uuid] };
}, 120_000);

afterAll(() => t?.stop());

describe("an operator granted team-a", () => {
  it("applies, edits and deletes in team-a", async () => {
    expect((await apply(t.operator, svc("team-a", "web"))).status).toBe(200);
    expect(kube().get("Service", "team-a", "web")!.status.state).toBe("ready");
    expect(await rows("team-a")).toEqual(["Service/team-a/web"]);
    expect((await apply(t.operator, svc("team-a", "web").replace("port: 80", "port: 8080"))).status).toBe(200);
    expect(kube().get("Service", "team-a", "web")!.object.spec.ports).toEqual([{ port: 8080 }]);
  });

  it("applying into team-b → 403 and nothing written (also as part of a manifest that is otherwise allowed, and as a dry run)", async () => {
    const before = { objects: kube().list().length, fips: t.services.engine.config.count("floating-ip"), rowsA: await rows("team-a"), rowsB: await rows("team-b") };
    for (const [yaml, q] of [
      [svc("team-b", "evil"), ""],
      [`${svc("team-a", "fine")}---\n${svc("team-b", "evil")}`, ""],
      [svc("team-b", "evil"), "?dry_run=true"],
    ] as const) {
      const r = await apply(t.operator, yaml, q);
      expect(r.status).toBe(403);
      const body = (await r.json()) as { message: string; issues: { field: string; message: string }[] };
      expect(body.message).toMatch(/may not apply .*team-b.*nothing was applied/);
      expect(body.issues.some((i) => i.field.startsWith("Service/team-b/evil") && /not granted on project default-domain:k8s-team-b/.test(i.message))).toBe(true);
    }
    expect(kube().get("Service", "team-b", "evil")).toBeNull();
    expect(kube().get("Service", "team-a", "fine")).toBeNull();
    expect({ objects: kube().list().length, fips: t.services.engine.config.count("floating-ip"), rowsA: await rows("team-a"), rowsB: await rows("team-b") }).toEqual(before);
  });

  it("rewriting or deleting team-b's objects → 403, and they stay", async () => {
    const vip = kube().get("Service", "team-b", "db")!.details.clusterIP;
    expect((await apply(t.operator, svc("team-b", "db").replace("app: db", "app: other"))).status).toBe(403);
    expect((await del(t.operator, svc("team-b", "db"))).status).toBe(403);
    await expect(kube().deleteObject("Service", "team-b", "db", operatorActor)).rejects.toThrow(/not granted on project default-domain:k8s-team-b/);
    const db = kube().get("Service", "team-b", "db")!;
    expect(db.object.spec.selector).toEqual({ app: "db" });
    expect(db.details.clusterIP).toBe(vip);
    expect(await rows("team-b")).toContain("Service/team-b/db");
  });

  it("namespaces and other cluster-scoped objects are the admins': creating, relabelling or deleting one → 403", async () => {
    for (const yaml of ["apiVersion: v1\nkind: Namespace\nmetadata: { name: mine }\n", "apiVersion: v1\nkind: Namespace\nmetadata: { name: team-a, labels: { team: ops } }\n"]) {
      const r = await apply(t.operator, yaml);
      expect(r.status).toBe(403);
      expect(((await r.json()) as { message: string }).message).toMatch(/only an admin may apply namespace/);
    }
    expect(kube().get("Namespace", undefined, "mine")).toBeNull();
    expect(kube().get("Namespace", undefined, "team-a")!.labels).toEqual({});
    expect((await del(t.operator, "apiVersion: v1\nkind: Namespace\nmetadata: { name: team-a }\n")).status).toBe(403);
    expect(kube().get("Namespace", undefined, "team-a")).toBeTruthy();
    // a namespace that does not exist cannot be written into either
    const r = await apply(t.operator, svc("nowhere", "x"));
    expect(r.status).toBe(403);
    expect(((await r.json()) as { message: string }).message).toMatch(/namespace nowhere does not exist \(project k8s-nowhere\): an admin creates namespaces/);
  });

  it("annotations naming another tenant's network or pool → 403", async () => {
    await apply(t.admin, "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: { name: private, namespace: team-b, annotations: { opencontrail.org/cidr: 192.0.2.0/24 } }\n");
    const pod = `apiVersion: v1\nkind: Pod\nmetadata: { name: sneak, namespace: team-a, annotations: { opencontrail.org/network: "{'domain': 'default-domain', 'project': 'k8s-team-b', 'name': 'private'}" } }\n`;
    const r = await apply(t.operator, pod);
    expect(r.status).toBe(403);
    expect(JSON.stringify(await r.json())).toMatch(/names network default-domain:k8s-team-b:private, which is neither in a project you are granted nor shared/);
    const lb = svc("team-a", "lb", `, annotations: { opencontrail.org/fip-pool: "{'domain': 'default-domain', 'project': 'k8s-team-b', 'network': 'private', 'name': 'pool'}" }`);
    expect((await apply(t.operator, lb)).status).toBe(403);
    expect(kube().get("Pod", "team-a", "sneak")).toBeNull();
    expect(kube().get("Service", "team-a", "lb")).toBeNull();
  });

  it("a delete runs and is audited as its caller, not as whoever applied the object", async () => {
    expect((await apply(t.admin, svc("team-a", "by-admin"))).status).toBe(200);
    const vip = kube().get("Service", "team-a", "by-admin")!.produced.find((p) => p.role === "cluster IP")!.uuid;
    const created = await t.services.engine.config.audit({ objectUuid: vip });
    expect(created.map((a) => a.actorEmail)).toEqual(["admin@test.weft (kube)"]);
    const r = await del(t.operator, svc("team-a", "by-admin"));
    expect(r.status).toBe(200);
    expect(((await r.json()) as { results: { action: string }[] }).results[0].action).toBe("deleted");
    expect(t.services.engine.config.find(vip)).toBeUndefined();
    const trail = await t.services.engine.config.audit({ objectUuid: vip });
    expect(trail.find((a) => a.action === "delete")).toMatchObject({ actorEmail: "operator@test.weft (kube)", source: "kube" });
    expect(await rows("team-a")).not.toContain("Service/team-a/by-admin");
  });
});

describe("others", () => {
  it("a viewer and an anonymous caller may not apply", async () => {
    expect((await apply(t.viewer, svc("team-a", "v"))).status).toBe(403);
    expect((await apply(null, svc("team-a", "v"))).status).toBe(401);
    expect(kube().get("Service", "team-a", "v")).toBeNull();
  });

  it("hostile YAML — an alias bomb, deep nesting, an oversized document — is a 400, and the server keeps answering", async () => {
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: lol, namespace: team-a }\ndata:\n  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n  g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n`;
    const deep = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: deep, namespace: team-a }\ndata: ${"[".repeat(200_000)}${"]".repeat(200_000)}\n`;
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: big, namespace: team-a }\ndata: { x: "${"x".repeat(2 * 1024 * 1024)}" }\n`;
    for (const [yaml, why] of [
      [bomb, /alias/],
      [deep, /nested deeper than 64 levels/],
      [big, /at most 1.5 MiB/],
    ] as const) {
      const r = await apply(t.admin, yaml);
      expect(r.status).toBe(400);
      expect(JSON.stringify(await r.json())).toMatch(why);
      expect((await t.as(t.viewer, "/api/v1/kube/settings")).status).toBe(200);
    }
  });
});
