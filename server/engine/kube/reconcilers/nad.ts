// NetworkAttachmentDefinition → virtual network k8s-<name>-pod-network in the namespace's project,
// with the subnet of its opencontrail.org/cidr annotation (seed 001: how a FIP network or a pod's
// extra network is created Kubernetes-style).
import type { Actor } from "../../config/api";
import { WeftError } from "../../model/errors";
import { cidrText, parseCidr } from "../../model/net";
import { fqString } from "../../model/types";
import { CIDR, type Entry, type KubeContext, type Reconciler, deleteProduced, prod } from "../common";
import type { KubeObject } from "../resources";

export class NadReconciler implements Reconciler {
  readonly kinds = ["NetworkAttachmentDefinition"] as const;
  constructor(private readonly ctx: KubeContext) {}

  async reconcile(_key: string, e: Entry, actor: Actor) {
    const ns = e.object.metadata.namespace!;
    const project = await this.ctx.networks.waitProject(ns);
    const cidr = parseCidr(e.object.metadata.annotations?.[CIDR] ?? "");
    if (!cidr.ok) throw new WeftError("bad_request", `annotation ${CIDR}: ${cidr.error}`);
    const fq = [...project.fq_name, `${this.ctx.names.cluster}-${e.object.metadata.name}-pod-network`];
    const vn = this.ctx.config.getByFqName("virtual-network", fq) ?? (await this.ctx.networks.createNetwork(fq, cidr.cidr, actor, ns));
    e.produced = [prod(vn, "network")];
    e.details = { network: fqString(fq), cidr: cidrText(cidr.cidr) };
  }

  teardown(_key: string, e: Entry, actor: Actor) {
    return deleteProduced(this.ctx.config, e, actor);
  }

  /** pods of the namespace may name the network (opencontrail.org/network) */
  dependents(o: KubeObject): string[] {
    return this.ctx.store.ofKind("Pod", o.metadata.namespace).map(([k]) => k);
  }

  ready() {
    return "reconciled";
  }
}
