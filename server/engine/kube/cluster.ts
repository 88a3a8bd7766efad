// The cluster's shared config (seed 001): project k8s-default with the cluster's pod and service
// networks, a project per namespace, an isolated namespace's own networks carved from the pod and
// service subnets, and the policy joining each pod network to its service network.
import type { Actor } from "../config/api";
import type { ConfigService } from "../config/service";
import { WeftError } from "../model/errors";
import { type Cidr, cidrText, nthSubnet } from "../model/net";
import type { PolicyRule } from "../model/schemas";
import { type ConfigObject, type Ref, fqString } from "../model/types";
import { DEFAULT_IPAM, ISOLATION, type KubeNames, type Produced, prod } from "./common";
import { keyOf } from "./resources";
import type { KubeStore } from "./store";

export class ClusterNetworks {
  private clusterReady: Promise<void> | null = null;
  private carving: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: ConfigService,
    private readonly names: KubeNames,
    private readonly store: KubeStore,
    private readonly settled: (key: string) => Promise<void>,
    readonly podBase: Cidr,
    readonly serviceBase: Cidr,
  ) {}

  isolated(ns: string) {
    return this.store.namespace(ns)?.object.metadata.annotations?.[ISOLATION] === "true";
  }

  serviceNetworkOf(ns: string) {
    return this.names.serviceNetworkFq(this.isolated(ns) ? ns : null);
  }

  podNetworkOf(ns: string) {
    return this.names.podNetworkFq(this.isolated(ns) ? ns : null);
  }

  /** k8s-default with the cluster's pod and service networks and the policy between them (once). */
  ensureCluster(actor: Actor): Promise<void> {
    this.clusterReady ??= (async () => {
      await this.ensureProject(this.names.defaultProject, actor, "default");
      const half = (c: Cidr) => nthSubnet(c, c.prefixLen + 1, 0)!;
      await this.ensureNetworks(null, half(this.podBase), half(this.serviceBase), actor);
    })().catch((e) => {
      this.clusterReady = null;
      throw e;
    });
    return this.clusterReady;
  }

  async ensureProject(fq: string[], actor: Actor, ns: string): Promise<ConfigObject> {
    const had = this.config.getByFqName("project", fq);
    if (had) return had;
    return this.config.create("project", { fq_name: fq, parent_type: "domain", annotations: this.names.annotations("Namespace", "", ns) }, actor);
  }

  /** A namespace's project, once its reconcile has made it. */
  async waitProject(ns: string): Promise<ConfigObject> {
    const fq = this.names.projectFq(ns);
    const p = this.config.getByFqName("project", fq);
    if (p) return p;
    if (!this.store.has(keyOf("Namespace", undefined, ns))) throw new WeftError("not_found", `namespace ${ns} not found`);
    await this.settled(keyOf("Namespace", undefined, ns));
    const again = this.config.getByFqName("project", fq);
    if (!again) throw new WeftError("conflict", `namespace ${ns} is not reconciled yet (project ${fqString(fq)} missing)`);
    return again;
  }

  /** A pod network, a service network (with its VIP pool) and the policy that joins them. */
  async ensureNetworks(ns: string | null, podCidr: Cidr | null, svcCidr: Cidr | null, actor: Actor): Promise<Produced[]> {
    const podFq = this.names.podNetworkFq(ns);
    const svcFq = this.names.serviceNetworkFq(ns);
    const pod = this.config.getByFqName("virtual-network", podFq) ?? (await this.createNetwork(podFq, podCidr!, actor, ns ?? "default", ns === null));
    const svc = this.config.getByFqName("virtual-network", svcFq) ?? (await this.createNetwork(svcFq, svcCidr!, actor, ns ?? "default", ns === null));
    const poolFq = [...svcFq, `${svc.name}-vip-pool`];
    const pool =
      this.config.getByFqName("floating-ip-pool", poolFq) ??
      (await this.config.create("floating-ip-pool", { fq_name: poolFq, parent_type: "virtual-network", id_perms: { description: "service VIPs (Kubernetes ClusterIP)" } }, actor));
    // Contrail: "network policy is enabled between the service and pod networks". Routes leak
    // between two networks only when the policy is on both (issue 14, Contrail's
    // add_ri_connection), so it is attached to the service and to the pod network. Its second
    // rule keeps the pod network open to and from everything else by address (a subnet end
    // connects no network, so it leaks nothing): pods stay reachable through floating IPs from
    // outside, as with no policy at all.
    const polFq = [...svcFq.slice(0, 2), `${pod.name.replace(/-pod-network$/, "")}-pod-service-np`];
    const anyPort = [{ start_port: -1, end_port: -1 }];
    const rules = [
      { direction: "<>", protocol: "any", ethertype: "IPv4", src_addresses: [{ virtual_network: fqString(pod.fq_name) }], dst_addresses: [{ virtual_network: fqString(svc.fq_name) }], src_ports: anyPort, dst_ports: anyPort, action_list: { simple_action: "pass" } },
      { direction: "<>", protocol: "any", ethertype: "IPv4", src_addresses: [{ virtual_network: fqString(pod.fq_name) }], dst_addresses: [{ subnet: { ip_prefix: "0.0.0.0", ip_prefix_len: 0 } }], src_ports: anyPort, dst_ports: anyPort, action_list: { simple_action: "pass" } },
    ] as PolicyRule[];
    let pol = this.config.getByFqName("network-policy", polFq);
    if (!pol) {
      pol = await this.config.create("network-policy", { fq_name: polFq, parent_type: "project", network_policy_entries: { policy_rule: rules } }, actor);
    } else if (((pol.network_policy_entries as { policy_rule?: PolicyRule[] } | undefined)?.policy_rule ?? []).length < rules.length) {
      // a policy made before both-sided leaking had only the first rule
      pol = await this.config.update("network-policy", pol.uuid, { network_policy_entries: { policy_rule: rules } }, actor);
    }
    for (const vn of [svc, pod]) {
      const refs = (vn.network_policy_refs as Ref[] | undefined) ?? [];
      if (!refs.some((r) => r.uuid === pol!.uuid)) {
        await this.config.update("virtual-network", vn.uuid, { network_policy_refs: [...refs, { uuid: pol.uuid, attr: { sequence: { major: 0, minor: 0 }, timer: null } }] }, actor);
      }
    }
    // deleted in reverse: the pool, the service network (and its policy ref), the pod network, the policy
    return [prod(pol, "pod ↔ service policy"), prod(pod, "pod network"), prod(svc, "service network"), prod(pool, "service VIP pool")];
  }

  createNetwork(fq: string[], cidr: Cidr, actor: Actor, ns: string, shared = false) {
    return this.config.create(
      "virtual-network",
      {
        fq_name: fq,
        parent_type: "project",
        // the cluster's networks serve every non-isolated namespace's project
        ...(shared ? { is_shared: true } : {}),
        annotations: this.names.annotations("Namespace", ns, ns),
        network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: cidr.prefix, ip_prefix_len: cidr.prefixLen } }] } }],
      },
      actor,
    );
  }

  /** The next free block for an isolated namespace's network (serialized: two namespaces never get the same). */
  carve(base: Cidr, len: number): Promise<Cidr> {
    const run = this.carving.then(() => {
      const upper = nthSubnet(base, base.prefixLen + 1, 1)!;
      const used = new Set<string>();
      for (const vn of this.config.list("virtual-network")) {
        for (const r of (vn.network_ipam_refs as Ref[] | undefined) ?? []) {
          for (const s of (r.attr as { ipam_subnets?: { subnet: { ip_prefix: string; ip_prefix_len: number } }[] })?.ipam_subnets ?? []) used.add(`${s.subnet.ip_prefix}/${s.subnet.ip_prefix_len}`);
        }
      }
      for (let i = 0; ; i++) {
        const c = nthSubnet(upper, len, i);
        if (!c) throw new WeftError("conflict", `no free /${len} left in ${cidrText(upper)} for another isolated namespace`);
        if (!used.has(cidrText(c))) return c;
      }
    });
    this.carving = run.catch(() => {});
    return run;
  }
}
