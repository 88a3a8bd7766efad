"use client";
// Pieces shared by the Kubernetes pages: the reconcile status badge, the Weft objects a Kubernetes
// object produced (links to their own pages), and the namespace that the selected project stands for.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { kubeHref, namespaceOfProject } from "../../lib/kube-routes";
import { useTRPC, type RouterOutputs } from "../../lib/trpc";
import { ObjectLink } from "../objects/cells";
import { useProject } from "../project-context";
import { Badge } from "../ui/badge";

export type KubeObjectView = RouterOutputs["kube"]["list"][number];
export type KubeProduced = KubeObjectView["produced"][number];
export type KubeStatus = KubeObjectView["status"];

/** Kubernetes objects change without config events (reconciles, pods of a deployment): poll. */
export const KUBE_REFRESH_MS = 2_000;

const STATE_WORD: Record<string, string> = { ready: "Ready", pending: "Pending", error: "Error" };

/** `withMessage`: the reconcile message next to the badge when not ready ("always": also when ready) */
export function KubeStatusBadge({ status, withMessage }: { status: KubeStatus; withMessage?: boolean | "always" }) {
  const tone = status.state === "ready" ? "ok" : status.state === "error" ? "danger" : "warn";
  return (
    <span className="flex min-w-0 items-center gap-1.5" data-testid="kube-status" data-state={status.state}>
      <Badge tone={tone} title={status.message}>
        {STATE_WORD[status.state] ?? status.state}
      </Badge>
      {status.warnings.length > 0 && (
        <Badge tone="warn" title={status.warnings.join("\n")}>
          {status.warnings.length} warning{status.warnings.length === 1 ? "" : "s"}
        </Badge>
      )}
      {withMessage && status.message && (status.state !== "ready" || withMessage === "always") && (
        <span className={status.state === "error" ? "truncate text-xs text-danger" : "truncate text-xs text-muted"} title={status.message} data-testid="kube-status-message">
          {status.message}
        </span>
      )}
    </span>
  );
}

/** Short names of the Weft object types a Kubernetes object produces. */
const TYPE_SHORT: Record<string, string> = {
  "virtual-machine-interface": "port",
  "virtual-network": "VN",
  "virtual-machine": "VM",
  "instance-ip": "IIP",
  "floating-ip": "FIP",
  "floating-ip-pool": "pool",
  "security-group": "SG",
  "network-policy": "policy",
  "network-ipam": "IPAM",
  project: "project",
};

export function typeShort(type: string) {
  return TYPE_SHORT[type] ?? type;
}

/** Produced objects as links (compact for table cells: type + name). */
export function ProducedLinks({ produced, types }: { produced: KubeProduced[]; types?: string[] }) {
  // with `types`: only those, in that order (a pod's port first)
  const shown = types ? produced.filter((p) => types.includes(p.type)).sort((a, b) => types.indexOf(a.type) - types.indexOf(b.type)) : produced;
  if (shown.length === 0) return <span className="text-faint">—</span>;
  return (
    <span className="inline-flex min-w-0 flex-wrap gap-x-2" data-testid="kube-produced">
      {shown.map((p) => (
        <span key={`${p.type}/${p.uuid}`} className="whitespace-nowrap" title={`${p.role}: ${p.fq_name.join(":")}`} data-testid={`produced-${p.type}`}>
          <span className="mr-0.5 text-[11px] text-faint">{typeShort(p.type)}</span>
          <ObjectLink type={p.type} uuid={p.uuid} fq={p.fq_name} />
        </span>
      ))}
    </span>
  );
}

/** Link to a Kubernetes object's page. */
export function KubeLink({ kind, namespace, name, label }: { kind: string; namespace?: string; name: string; label?: string }) {
  const { withProject } = useProject();
  return (
    <Link href={withProject(kubeHref(kind, namespace, name))} className="text-accent hover:underline" onClick={(e) => e.stopPropagation()}>
      {label ?? (namespace ? `${namespace}/${name}` : name)}
    </Link>
  );
}

export function useKubeSummary() {
  const trpc = useTRPC();
  return useQuery(trpc.kube.summary.queryOptions(undefined, { staleTime: 30_000 }));
}

/**
 * The namespace the top bar's project stands for (project k8s-<ns> ↔ namespace <ns>):
 * `undefined` = all namespaces; `null` = the selected project is not a namespace's.
 */
export function useSelectedNamespace(): { namespace: string | undefined | null; projectName?: string; cluster: string } {
  const { project, projectUuid } = useProject();
  const summary = useKubeSummary();
  const cluster = summary.data?.cluster ?? "k8s";
  if (!projectUuid) return { namespace: undefined, cluster };
  const ns = namespaceOfProject(project?.name, cluster);
  return { namespace: ns ?? null, projectName: project?.name, cluster };
}
