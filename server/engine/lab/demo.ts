// The lab's demo environment (`npm run up`: WEFT_LAB_DEMO=1, WEFT_LAB_TRAFFIC=20): so that every
// page — topology, routing instances, flows dashboards — has something real to show a minute after
// the first start. Ordinary config through the config service and the Kubernetes manager (audited
// as the system), created once: a project `demo` with a frontend and a backend network, a policy
// between them that denies administrative traffic (ssh/telnet from the frontend, RDP both ways)
// and passes the rest, VM workloads spread over the compute nodes; and a Kubernetes namespace
// `shop` with labelled pods (two deployments, a pod, a ClusterIP service). Nothing here is special
// to the product: delete it like any other object (it is not created again: <data>/lab-demo-created).
import fs from "node:fs";
import { SYSTEM_ACTOR } from "../config/api";
import type { ConfigService } from "../config/service";
import type { KubeManager } from "../kube/manager";

export const DEMO_PROJECT = ["default-domain", "demo"];
const IPAM = ["default-domain", "default-project", "default-network-ipam"];

const vn = (name: string, prefix: string) => ({
  fq_name: [...DEMO_PROJECT, name],
  parent_type: "project",
  network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: prefix, ip_prefix_len: 24 } }] } }],
});

export const DEMO_MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: frontend, namespace: shop }
spec:
  replicas: 2
  selector: { matchLabels: { app: frontend } }
  template:
    metadata: { labels: { app: frontend, tier: web, team: storefront } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: cart, namespace: shop }
spec:
  replicas: 1
  selector: { matchLabels: { app: cart } }
  template:
    metadata: { labels: { app: cart, tier: api, team: checkout } }
---
apiVersion: v1
kind: Pod
metadata: { name: redis, namespace: shop, labels: { app: redis, tier: db, team: checkout } }
---
apiVersion: v1
kind: Service
metadata: { name: frontend, namespace: shop }
spec:
  selector: { app: frontend }
  ports: [{ protocol: TCP, port: 80 }]
`;

/**
 * Creates the demo once: nothing when the project exists or `marker` (a file in the data dir) says
 * it was created before — an operator who deleted it does not get it back. Returns whether it did.
 */
export async function seedLabDemo(config: ConfigService, kube: KubeManager, hosts: string[], log: (line: string) => void = () => undefined, marker?: string): Promise<boolean> {
  if ((marker && fs.existsSync(marker)) || config.getByFqName("project", DEMO_PROJECT) || hosts.length === 0) return false;
  const a = SYSTEM_ACTOR;
  await config.create("project", { fq_name: DEMO_PROJECT, parent_type: "domain" }, a);
  const frontend = await config.create("virtual-network", vn("frontend-net", "10.100.1.0"), a);
  const backend = await config.create("virtual-network", vn("backend-net", "10.100.2.0"), a);
  const between = { src_addresses: [{ virtual_network: "default-domain:demo:frontend-net" }], dst_addresses: [{ virtual_network: "default-domain:demo:backend-net" }] };
  const policy = await config.create(
    "network-policy",
    {
      fq_name: [...DEMO_PROJECT, "frontend-backend"],
      parent_type: "project",
      network_policy_entries: {
        policy_rule: [
          { direction: ">", protocol: "tcp", src_addresses: between.src_addresses, dst_addresses: [{ virtual_network: "any" }], dst_ports: [{ start_port: 22, end_port: 23 }], action_list: { simple_action: "deny" } },
          { direction: "<>", protocol: "tcp", ...between, dst_ports: [{ start_port: 3389, end_port: 3389 }], action_list: { simple_action: "deny" } },
          { direction: "<>", protocol: "any", ...between, action_list: { simple_action: "pass" } },
        ],
      },
    },
    a,
  );
  for (const v of [frontend, backend]) await config.update("virtual-network", v.uuid, { network_policy_refs: [{ uuid: policy.uuid }] }, a);
  const workloads: [string, typeof frontend][] = [
    ["web-1", frontend],
    ["web-2", frontend],
    ["api-1", frontend],
    ["db-1", backend],
    ["cache-1", backend],
  ];
  let i = 0;
  for (const [name, net] of workloads) {
    const host = hosts[i++ % hosts.length];
    const port = await config.create(
      "virtual-machine-interface",
      { fq_name: [...DEMO_PROJECT, name], parent_type: "project", virtual_network_refs: [{ uuid: net.uuid }], virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } },
      a,
    );
    await config.create("instance-ip", { virtual_network_refs: [{ uuid: net.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, a);
  }
  const applied = await kube.apply(DEMO_MANIFEST, a);
  if (!applied.ok) log(`lab demo: the Kubernetes manifest was not applied: ${JSON.stringify(applied.results.filter((r) => r.errors?.length))}`);
  if (marker) fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
  log(`lab demo: project default-domain:demo (frontend-net, backend-net, policy frontend-backend, ${workloads.length} workloads) and Kubernetes namespace shop (labelled pods, service frontend)`);
  return true;
}
