// kubectl delete -f with a manifest that holds a namespace and what is in it: every document is
// reported deleted (the namespace goes last, so its own teardown does not pre-empt the others).
import fs from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Engine } from "../../server/engine/engine";
import { ADMIN, startEngine } from "../helpers";

let engine: Engine;
let dir: string;

beforeAll(async () => {
  ({ engine, dir } = await startEngine());
}, 60_000);

afterAll(async () => {
  await engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-all, namespace: shop }
spec: { podSelector: {}, policyTypes: [Ingress] }
`;

it("reports every document of the manifest deleted, in the manifest's order", async () => {
  const applied = await engine.kube.apply(MANIFEST, ADMIN);
  expect(applied.results.map((r) => r.action)).toEqual(["created", "created", "created"]);
  const r = await engine.kube.deleteManifest(MANIFEST, ADMIN);
  expect(r.results.map((x) => `${x.kind}/${x.name}:${x.action}`)).toEqual(["Namespace/shop:deleted", "Service/web:deleted", "NetworkPolicy/deny-all:deleted"]);
  expect(engine.kube.list({ namespace: "shop" })).toEqual([]);
  expect(engine.config.getByFqName("project", ["default-domain", "k8s-shop"])).toBeUndefined();
});
