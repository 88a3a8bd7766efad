// Label filter (issue 8): Kubernetes pod labels, stored on the port as `label:<k>` annotations,
// are on the port nodes of both views, survive the wire format, and filterByLabel keeps only the
// matching ports with their network, project and the services in front of them.
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { buildTopology, nodeIds } from "../../server/engine/topology/model";
import { decodeModel, encodeModel, filterByLabel, parseLabelFilter } from "../../server/engine/topology/wire";
import { ADMIN, startEngine } from "../helpers";

const settle = () => new Promise((r) => setTimeout(r, 50));

describe("labels on port nodes and the label filter", () => {
  it("parses key=value, key:value and key alone", () => {
    expect(parseLabelFilter(" app = web ")).toEqual({ key: "app", value: "web" });
    expect(parseLabelFilter("tier:db")).toEqual({ key: "tier", value: "db" });
    expect(parseLabelFilter("app")).toEqual({ key: "app" });
    expect(parseLabelFilter("  ")).toBeNull();
  });

  it("pods' labels are on their ports; the filter keeps matching ports, their ancestors and services", async () => {
    const { engine, dir } = await startEngine();
    try {
      await engine.config.create("virtual-router", { fq_name: ["default-global-system-config", "compute-1"], parent_type: "global-system-config", virtual_router_ip_address: "127.0.15.1" }, ADMIN);
      const r = await engine.kube.apply(
        `apiVersion: v1
kind: Namespace
metadata: { name: lbl }
---
apiVersion: v1
kind: Pod
metadata: { name: web-a, namespace: lbl, labels: { app: web, tier: front } }
---
apiVersion: v1
kind: Pod
metadata: { name: db-a, namespace: lbl, labels: { app: db } }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: lbl }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
`,
        ADMIN,
      );
      expect(r.ok).toBe(true);
      await settle();
      const vmi = (n: string) => engine.config.getByFqName("virtual-machine-interface", ["default-domain", "k8s-lbl", n])!;
      const web = nodeIds.port(vmi("web-a").uuid);
      const db = nodeIds.port(vmi("db-a").uuid);
      const m = buildTopology(engine, "logical");
      const webNode = m.nodes.find((n) => n.id === web)!;
      expect(webNode.labels).toEqual({ app: "web", tier: "front" });
      expect(webNode.fields?.Labels).toBe("app=web, tier=front");
      expect(m.nodes.find((n) => n.id === db)?.labels).toEqual({ app: "db" });
      // ports without labels carry none (the wire stays small)
      expect(m.nodes.filter((n) => n.kind !== "port").every((n) => n.labels === undefined)).toBe(true);

      // through the wire format
      const slim = decodeModel(JSON.parse(JSON.stringify(encodeModel(m, 1, true))));
      expect(slim.nodes.find((n) => n.id === web)?.labels).toEqual({ app: "web", tier: "front" });

      const project = nodeIds.project(engine.config.getByFqName("project", ["default-domain", "k8s-lbl"])!.uuid);
      const webNet = webNode.parent!;
      const svc = nodeIds.service("lbl", "web");
      const f = filterByLabel(slim, "app=web");
      const ids = f.nodes.map((n) => n.id).sort();
      // the pod network's project (the cluster's) and the namespace's project (the service's)
      const netProject = slim.nodes.find((n) => n.id === webNet)!.parent!;
      expect(ids).toEqual([...new Set([web, webNet, netProject, project, svc])].sort());
      expect(f.edges.some((e) => e.kind === "service-backend" && e.source === svc && e.target === web)).toBe(true);
      for (const e of f.edges) expect(ids).toContain(e.source), expect(ids).toContain(e.target);
      // key alone: both pods; a value no pod has: nothing; empty: the model as it is
      expect(filterByLabel(slim, "app").nodes.filter((n) => n.kind === "port").map((n) => n.id).sort()).toEqual([web, db].sort());
      expect(filterByLabel(slim, "tier=front").nodes.filter((n) => n.kind === "service").map((n) => n.id)).toEqual([svc]);
      expect(filterByLabel(slim, "app=db").nodes.some((n) => n.kind === "service")).toBe(false);
      expect(filterByLabel(slim, "app=nope").nodes).toHaveLength(0);
      expect(filterByLabel(slim, "")).toBe(slim);

      // infrastructure view: the same labels on the port inside its compute node
      const infra = buildTopology(engine, "infrastructure");
      const p = infra.nodes.find((n) => n.id === web);
      if (p) {
        expect(p.labels).toEqual({ app: "web", tier: "front" });
        expect(filterByLabel(infra, "tier=front").nodes.map((n) => n.id).sort()).toEqual([web, p.parent!].sort());
      }
    } finally {
      await engine.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
