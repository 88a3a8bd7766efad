// Pod → virtual-machine + port (virtual-machine-interface, bound to a compute node) + instance IP, on
// the namespace's pod network or the network its opencontrail.org/network annotation names (seed
// 001), with the security groups of the NetworkPolicies that select it. A pod's labels or address
// changing re-evaluates the services, ingresses and policies that may select it.
import type { Actor } from "../../config/api";
import type { ConfigService } from "../../config/service";
import { WeftError } from "../../model/errors";
import { type ConfigObject, type ObjectType, type Ref, bindingHost, fqString, labelAnnotations } from "../../model/types";
import { DOMAIN, type Entry, type KubeContext, NETWORK, PEER_DELAY_MS, type Produced, type Reconciler, USES_LABELS, deleteProduced, kubeActor, prod, refUuids, stable } from "../common";
import { keyOf, mapSelects, parseContrailDict } from "../resources";
import { securityGroupsFor } from "./network-policy";

export class PodReconciler implements Reconciler {
  readonly kinds = ["Pod"] as const;
  /** round robin over the compute nodes for pods without spec.nodeName */
  private rr = 0;
  constructor(private readonly ctx: KubeContext) {}

  async reconcile(key: string, e: Entry, actor: Actor, warnings: string[]) {
    const { config, names, networks, store } = this.ctx;
    const o = e.object;
    const ns = o.metadata.namespace!;
    const name = o.metadata.name;
    const project = await networks.waitProject(ns);
    await networks.ensureCluster(actor);
    const nsEntry = store.namespace(ns);
    if (o.spec?.hostNetwork === true) return this.hostNetwork(key, e, actor, warnings);
    const chosen = o.metadata.annotations?.[NETWORK] ?? nsEntry?.object.metadata.annotations?.[NETWORK];
    const vn = chosen ? this.networkByAnnotation(chosen, ns) : config.getByFqName("virtual-network", networks.podNetworkOf(ns));
    if (!vn) throw new WeftError("conflict", `the pod network of namespace ${ns} does not exist yet`);

    const vmFq = names.podVmFq(ns, name);
    // The config service validates and applies a write synchronously and only the commit is awaited:
    // a new pod's VM, port and address go out together and share one group commit.
    const pending: Promise<unknown>[] = [];
    const begin = async (type: ObjectType, fq: string[], body: Record<string, unknown>): Promise<ConfigObject> => {
      const p = config.create(type, { fq_name: fq, ...body }, actor);
      const o = config.getByFqName(type, fq);
      if (!o) return p; // refused by validation: the error surfaces here
      pending.push(p.catch((e) => e)); // a failed commit rolls back; the next reconcile sees it
      return o;
    };
    const vm = config.getByFqName("virtual-machine", vmFq) ?? (await begin("virtual-machine", vmFq, { server_type: "container", annotations: names.annotations("Pod", ns, name) }));

    const vmiFq = [...project.fq_name, name];
    let vmi = config.getByFqName("virtual-machine-interface", vmiFq);
    const nodes = computeNodes(config);
    let host = vmi ? bindingHost(vmi) : "";
    if (o.spec?.nodeName) {
      if (!nodes.includes(o.spec.nodeName)) throw new WeftError("bad_request", `spec.nodeName ${o.spec.nodeName} is not a compute node (known: ${nodes.join(", ") || "none"})`, [{ field: "spec.nodeName", message: `not a compute node (known: ${nodes.join(", ") || "none"})` }]);
      host = o.spec.nodeName;
    }
    if (!host) {
      if (!nodes.length) throw new WeftError("conflict", "no compute node to schedule the pod on (no virtual-router)");
      host = nodes[this.rr++ % nodes.length];
    }
    const sgs = await securityGroupsFor(this.ctx, e, project, actor);
    const wantRefs = {
      virtual_network_refs: [{ uuid: vn.uuid }],
      virtual_machine_refs: [{ uuid: vm.uuid }],
      security_group_refs: sgs.map((s) => ({ uuid: s.uuid })),
      virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] },
    };
    const iipFq = names.podVmFq(ns, name);
    if (vmi && (vmi.virtual_network_refs as Ref[])[0]?.uuid !== vn.uuid) {
      // the pod moved to another network: a new port and address
      await detachFromVips(config, e);
      const iip = config.getByFqName("instance-ip", iipFq);
      if (iip) await config.delete("instance-ip", iip.uuid, actor);
      await config.delete("virtual-machine-interface", vmi.uuid, actor);
      vmi = undefined;
    }
    const annotations = names.annotations("Pod", ns, name, labelAnnotations(o.metadata.labels));
    if (!vmi) {
      vmi = await begin("virtual-machine-interface", vmiFq, { parent_type: "project", annotations, ...wantRefs });
    } else {
      const cur = {
        virtual_network_refs: refUuids(vmi.virtual_network_refs),
        virtual_machine_refs: refUuids(vmi.virtual_machine_refs),
        security_group_refs: refUuids(vmi.security_group_refs),
        host: bindingHost(vmi),
        labels: stable(vmi.annotations),
      };
      const want = { virtual_network_refs: [vn.uuid], virtual_machine_refs: [vm.uuid], security_group_refs: sgs.map((s) => s.uuid), host, labels: stable(annotations) };
      if (stable(cur) !== stable(want)) vmi = await config.update("virtual-machine-interface", vmi.uuid, { annotations, ...wantRefs }, actor);
    }
    const iip = config.getByFqName("instance-ip", iipFq) ?? (await begin("instance-ip", iipFq, { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: vmi.uuid }] }));
    for (const r of await Promise.all(pending)) if (r instanceof Error) throw r;
    e.produced = [prod(vm, "virtual machine"), prod(vmi, "port"), prod(iip, "pod IP"), ...sgs.map((s) => ({ ...prod(s, "security group"), role: "shared" }))];
    e.details = { podIP: iip.instance_ip_address, node: host, network: fqString(vn.fq_name), securityGroups: sgs.map((s) => fqString(s.fq_name)) };
    const sig = stable({ labels: o.metadata.labels ?? {}, ip: iip.instance_ip_address, vmi: vmi.uuid });
    if (sig !== e.signature) {
      e.signature = sig;
      requeuePeers(this.ctx, ns);
      if (nsEntry?.object.metadata.annotations?.[USES_LABELS] === "true") this.ctx.enqueue(keyOf("Namespace", undefined, ns));
    }
  }

  /**
   * Kubernetes: a hostNetwork pod "uses the host's network namespace" and its podIP is the node's
   * address — it has no interface on the pod network, so Weft gives it no overlay port (nor address,
   * VIP membership or security group). What an earlier overlay version of the pod had is removed.
   */
  private async hostNetwork(_key: string, e: Entry, actor: Actor, warnings: string[]) {
    const { config } = this.ctx;
    const o = e.object;
    const ns = o.metadata.namespace!;
    const nodes = computeNodes(config);
    let host = (e.details.hostNetwork ? (e.details.node as string) : "") || o.spec?.nodeName || "";
    if (o.spec?.nodeName && !nodes.includes(o.spec.nodeName)) throw new WeftError("bad_request", `spec.nodeName ${o.spec.nodeName} is not a compute node (known: ${nodes.join(", ") || "none"})`, [{ field: "spec.nodeName", message: `not a compute node (known: ${nodes.join(", ") || "none"})` }]);
    if (!host || !nodes.includes(host)) {
      if (!nodes.length) throw new WeftError("conflict", "no compute node to schedule the pod on (no virtual-router)");
      host = nodes[this.rr++ % nodes.length];
    }
    const overlay = podObjects(this.ctx, ns, o.metadata.name);
    if (overlay.length) {
      e.produced = [...overlay, ...e.produced.filter((p) => !overlay.some((b) => b.uuid === p.uuid))];
      await detachFromVips(config, e);
      await deleteProduced(config, e, actor);
    }
    const vr = config.list("virtual-router").find((v) => v.name === host);
    e.produced = [];
    e.details = { hostNetwork: true, node: host, podIP: (vr?.virtual_router_ip_address as string | undefined) ?? null, network: null, securityGroups: [] };
    warnings.push("hostNetwork: true — the pod uses its node's network (podIP is the node's address): no overlay port, so services, network policies and floating IPs do not apply to it");
    const sig = stable({ hostNetwork: true, labels: o.metadata.labels ?? {}, node: host });
    if (sig !== e.signature) {
      e.signature = sig;
      requeuePeers(this.ctx, ns);
    }
  }

  async teardown(_key: string, e: Entry, actor: Actor) {
    const ns = e.object.metadata.namespace!;
    // by name too: a reconcile that failed half-way (or was cut short by the delete) recorded nothing
    const byName = podObjects(this.ctx, ns, e.object.metadata.name);
    e.produced = [...byName, ...e.produced.filter((p) => !byName.some((b) => b.uuid === p.uuid))];
    await detachFromVips(this.ctx.config, e);
    await deleteProduced(this.ctx.config, e, actor);
    requeuePeers(this.ctx, ns);
    if (this.ctx.store.namespace(ns)?.object.metadata.annotations?.[USES_LABELS] === "true") this.ctx.enqueue(keyOf("Namespace", undefined, ns));
  }

  ready(e: Entry) {
    if (e.details.hostNetwork) return `host network on ${e.details.node}`;
    return `${e.details.podIP} on ${e.details.node}`;
  }

  /** A VN named by an opencontrail.org/network annotation: exact name, else the NAD's k8s-<name>-pod-network. */
  private networkByAnnotation(text: string, ns: string): ConfigObject {
    const d = parseContrailDict(text);
    const project = d.project ?? this.ctx.names.projectName(ns);
    const domain = d.domain ?? DOMAIN;
    const name = d.name ?? d.network;
    for (const n of [name, `${this.ctx.names.cluster}-${name}-pod-network`]) {
      const vn = this.ctx.config.getByFqName("virtual-network", [domain, project, n]);
      if (vn) return vn;
    }
    throw new WeftError("not_found", `annotation ${NETWORK}: virtual network ${domain}:${project}:${name} not found`);
  }
}

export function computeNodes(config: ConfigService): string[] {
  return config
    .list("virtual-router")
    .map((v) => v.name)
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

/** Services and ingresses that may select pods of `ns`, and every network policy (peers cross namespaces). */
export function requeuePeers(ctx: KubeContext, ns: string) {
  for (const [k, x] of ctx.store.all()) {
    const kind = x.object.kind;
    if ((kind === "Service" || kind === "Ingress") && x.object.metadata.namespace === ns) ctx.enqueue(k, PEER_DELAY_MS);
    if (kind === "NetworkPolicy") ctx.enqueue(k, PEER_DELAY_MS);
  }
}

/** A pod's VM, port and address as the manager names them (virtual-machine first). */
export function podObjects(ctx: KubeContext, ns: string, name: string): Produced[] {
  const out: Produced[] = [];
  const vm = ctx.config.getByFqName("virtual-machine", ctx.names.podVmFq(ns, name));
  const vmi = ctx.config.getByFqName("virtual-machine-interface", [...ctx.names.projectFq(ns), name]);
  const iip = ctx.config.getByFqName("instance-ip", ctx.names.podVmFq(ns, name));
  if (vm) out.push(prod(vm, "virtual machine"));
  if (vmi) out.push(prod(vmi, "port"));
  if (iip) out.push(prod(iip, "pod IP"));
  return out;
}

/** Takes a pod's port off every service VIP / external IP that has it (before the port goes). */
export async function detachFromVips(config: ConfigService, e: Entry) {
  const vmi = e.produced.find((p) => p.type === "virtual-machine-interface");
  if (!vmi) return;
  for (const b of config.backRefs(vmi.uuid)) {
    if (b.type !== "floating-ip") continue;
    const fip = config.find(b.uuid);
    if (!fip) continue;
    const refs = ((fip.virtual_machine_interface_refs as Ref[] | undefined) ?? []).filter((r) => r.uuid !== vmi.uuid).map((r) => ({ uuid: r.uuid }));
    await config.update("floating-ip", fip.uuid, { virtual_machine_interface_refs: refs }, kubeActor(e.actor));
  }
}

/** The pods of `ns` a Service-style (plain map) selector selects. */
export function podsOf(ctx: KubeContext, ns: string, sel: Record<string, string> | undefined): Entry[] {
  return ctx.store
    .ofKind("Pod", ns)
    .map(([, e]) => e)
    .filter((e) => mapSelects(sel, e.object.metadata.labels));
}

export function portOf(pod: Entry): string | null {
  return pod.produced.find((p) => p.type === "virtual-machine-interface")?.uuid ?? null;
}
