// Who may apply or delete which Kubernetes objects (issue 14): the Kubernetes surfaces (REST
// /api/v1/kube/apply, the tRPC kube router, weftctl) honour the same project grants as the config
// API. A namespace ns is the project k8s-<ns>, so:
//   admin     everything;
//   operator  namespaced objects only in namespaces whose project it is granted (apply, re-apply =
//             edit, delete); never a Namespace itself — creating one creates a project (admin-only
//             in the config API too), and a namespace's labels and annotations decide other
//             tenants' NetworkPolicy peers and isolation: cluster-scoped objects are the admins';
//             annotations may name only networks and floating IP pools the operator may use
//             (its granted projects', shared or external networks, pools shared with the project);
//   viewer    nothing.
// The check runs on the whole manifest before anything is stored: one forbidden document and
// nothing is written (403). The reconciles that follow write as the kube manager (kubeActor), on
// the caller's behalf — this gate is what bounds them.
import type { Actor } from "../config/api";
import type { ConfigService } from "../config/service";
import { WeftError } from "../model/errors";
import { type ConfigObject, type Ref, fqString } from "../model/types";
import { DOMAIN, FIP_POOL, type KubeNames, NETWORK } from "./common";
import { type KubeObject, parseContrailDict } from "./resources";

export interface KubeTarget {
  kind: string;
  namespace?: string;
  name: string;
  /** the object to apply (absent for a delete) */
  object?: KubeObject | null;
  /** the document's line, for the error */
  line?: number;
}

/** Throws 403 naming every document the actor may not apply / delete; returns when all are allowed. */
export function authorizeKube(config: ConfigService, names: KubeNames, actor: Actor, targets: KubeTarget[], verb: "apply" | "delete") {
  if (actor.role === "admin") return;
  const refusals: { field: string; message: string }[] = [];
  const refuse = (t: KubeTarget, why: string) => refusals.push({ field: `${t.kind}/${t.namespace ? `${t.namespace}/` : ""}${t.name}${t.line ? ` (line ${t.line})` : ""}`, message: why });
  if (actor.role !== "operator") {
    throw new WeftError("forbidden", `${actor.email} is ${actor.role}: read-only access, may not ${verb} Kubernetes objects`);
  }
  const granted = new Set(actor.projectUuids ?? []);
  for (const t of targets) {
    if (t.kind === "Namespace" || !t.namespace) {
      refuse(t, `only an admin may ${verb} ${t.kind === "Namespace" ? `namespace ${t.name} (a namespace is project ${names.projectName(t.name)}, and its labels decide other namespaces' NetworkPolicy peers)` : `the cluster-scoped ${t.kind} ${t.name}`}`);
      continue;
    }
    const project = config.getByFqName("project", names.projectFq(t.namespace));
    if (!project) {
      refuse(t, `namespace ${t.namespace} does not exist (project ${names.projectName(t.namespace)}): an admin creates namespaces`);
      continue;
    }
    if (!granted.has(project.uuid)) {
      refuse(t, `${actor.email} may not ${verb} in namespace ${t.namespace}: not granted on project ${fqString(project.fq_name)}`);
      continue;
    }
    if (t.object) for (const why of annotationRefusals(config, names, granted, project, t.object)) refuse(t, why);
  }
  if (refusals.length) {
    throw new WeftError("forbidden", `${actor.email} may not ${verb} ${refusals.length === 1 ? refusals[0].field : `${refusals.length} of the documents`}: ${refusals[0].message}${refusals.length > 1 ? " (and more: see issues)" : ""}; nothing was applied`, refusals);
  }
}

/** Annotations that name config objects outside the namespace's project must name ones the operator may use. */
function annotationRefusals(config: ConfigService, names: KubeNames, granted: Set<string>, project: ConfigObject, o: KubeObject): string[] {
  const out: string[] = [];
  const annotationSets = [o.metadata.annotations ?? {}, (o.spec?.template?.metadata?.annotations as Record<string, string> | undefined) ?? {}];
  for (const ann of annotationSets) {
    if (ann[NETWORK]) {
      const d = safeDict(ann[NETWORK]);
      const pName = d.project ?? project.name;
      const domain = d.domain ?? DOMAIN;
      const n = d.name ?? d.network;
      const vn = [n, `${names.cluster}-${n}-pod-network`].map((x) => config.getByFqName("virtual-network", [domain, pName, x])).find(Boolean);
      const owner = config.getByFqName("project", [domain, pName]);
      const mine = owner && granted.has(owner.uuid);
      if (!mine && !(vn && (vn.is_shared || vn.router_external))) {
        out.push(`annotation ${NETWORK} names network ${domain}:${pName}:${n}, which is neither in a project you are granted nor shared (is_shared) or external (router_external)`);
      }
    }
    if (ann[FIP_POOL]) {
      const d = safeDict(ann[FIP_POOL]);
      const domain = d.domain ?? DOMAIN;
      const pool = [d.network, `${names.cluster}-${d.network}-pod-network`].map((x) => config.getByFqName("floating-ip-pool", [domain, d.project ?? "", x ?? "", d.name ?? ""])).find(Boolean);
      const owner = config.getByFqName("project", [domain, d.project ?? ""]);
      const shared = ((pool?.project_refs as Ref[] | undefined) ?? []).some((r) => r.uuid === project.uuid);
      if (!(owner && granted.has(owner.uuid)) && !shared) {
        out.push(`annotation ${FIP_POOL} names pool ${domain}:${d.project}:${d.network}:${d.name}, which is neither in a project you are granted nor shared with ${fqString(project.fq_name)} (an admin adds the project to the pool's project_refs)`);
      }
    }
  }
  return out;
}

function safeDict(text: string): Record<string, string> {
  try {
    return parseContrailDict(text);
  } catch {
    return {};
  }
}
