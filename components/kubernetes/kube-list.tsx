"use client";
// Kubernetes › Namespaces / Pods / Services / Ingresses / Network Policies (and workloads, network
// attachments): the objects the kube manager holds, each with its reconcile status, the details
// that matter for its kind, and the Weft objects it produced (links to their pages). The top
// bar's project filters by namespace (project k8s-<ns> ↔ namespace <ns>).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createColumnHelper, type ColumnDef } from "@tanstack/react-table";
import { FileUp } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo } from "react";
import type { Kind } from "../../server/engine/kube/resources";
import { errorMessage } from "../../lib/errors";
import { kubeHref, kubeKeyHref, type KubeSection } from "../../lib/kube-routes";
import { useTRPC } from "../../lib/trpc";
import { DataTable } from "../data-table/DataTable";
import { computeNodeHref } from "../infrastructure/compute-node-list";
import { PageHeader } from "../objects/page-header";
import { useConfigList } from "../objects/use-config";
import { useProject } from "../project-context";
import { useMe } from "../session";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Mono } from "../ui/mono";
import { GlobalPoolControl } from "./global-pool";
import { KUBE_REFRESH_MS, KubeStatusBadge, ProducedLinks, useSelectedNamespace, type KubeObjectView } from "./kube-fields";

const col = createColumnHelper<KubeObjectView>();
const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));
const Dash = () => <span className="text-faint">—</span>;

/** A virtual network named by FQ name, linked to its page when it exists. */
export function NetworkByFq({ fq }: { fq: unknown }) {
  const { withProject } = useProject();
  const vns = useConfigList("virtual-network");
  const s = str(fq);
  if (!s) return <Dash />;
  const vn = vns.items.find((v) => v.fq_name.join(":") === s);
  const label = s.split(":").pop();
  return vn ? (
    <Link href={withProject(`/overlay/virtual-networks/${vn.uuid}`)} className="text-accent hover:underline" title={s} onClick={(e) => e.stopPropagation()}>
      {label}
    </Link>
  ) : (
    <Mono title={s}>{label}</Mono>
  );
}

/** The delete of Kubernetes objects (their Weft objects go with them), for the bulk action. */
export function useDeleteKube() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const del = useMutation(trpc.kube.delete.mutationOptions());
  return async (rows: KubeObjectView[]) => {
    const failed: string[] = [];
    for (const r of rows) {
      try {
        await del.mutateAsync({ kind: r.kind, namespace: r.namespace || undefined, name: r.name });
      } catch (e) {
        failed.push(`${r.namespace ? `${r.namespace}/` : ""}${r.name}: ${errorMessage(e)}`);
      }
    }
    await qc.invalidateQueries({ queryKey: trpc.kube.pathKey() });
    await qc.invalidateQueries({ queryKey: trpc.config.pathKey() });
    return failed.length ? failed.join("\n") : undefined;
  };
}

function kindColumns(section: KubeSection): ColumnDef<KubeObjectView, any>[] {
  const d = (o: KubeObjectView) => o.details as Record<string, unknown>;
  switch (section.id) {
    case "namespaces":
      return [
        col.accessor((o) => (d(o).isolated ? "yes" : "no"), {
          id: "isolated",
          header: "Isolated",
          size: 80,
          meta: { filter: true },
          cell: (c) => (c.getValue() === "yes" ? <Badge tone="accent">yes</Badge> : <Badge>no</Badge>),
        }),
        col.accessor((o) => `${str(d(o).podNetwork)} ${str(d(o).serviceNetwork)}`, {
          id: "networks",
          header: "Networks (pod, service)",
          size: 320,
          meta: { filter: true },
          cell: (c) => (
            <span className="flex min-w-0 gap-2">
              <NetworkByFq fq={d(c.row.original).podNetwork} />
              <NetworkByFq fq={d(c.row.original).serviceNetwork} />
            </span>
          ),
        }),
      ];
    case "pods":
      return [
        col.accessor((o) => str(d(o).podIP), { id: "podIP", header: "Pod IP", size: 110, meta: { mono: true, filter: true }, cell: (c) => (c.getValue() ? <Mono copy={c.getValue()}><span data-testid="pod-ip">{c.getValue()}</span></Mono> : <Dash />) }),
        col.accessor((o) => str(d(o).node), {
          id: "node",
          header: "Node",
          size: 100,
          meta: { filter: true },
          cell: (c) => (c.getValue() ? <NodeLink node={c.getValue()} /> : <Dash />),
        }),
        col.accessor((o) => str(d(o).network), { id: "network", header: "Network", size: 190, meta: { filter: true }, cell: (c) => <NetworkByFq fq={c.getValue()} /> }),
        col.accessor((o) => o.owner ?? "", {
          id: "owner",
          header: "Owner",
          size: 150,
          meta: { filter: true },
          cell: (c) =>
            c.getValue() ? (
              <OwnerLink ownerKey={c.getValue()} />
            ) : (
              <Dash />
            ),
        }),
      ];
    case "services":
      return [
        col.accessor((o) => str(d(o).type), { id: "type", header: "Type", size: 100, meta: { filter: true } }),
        col.accessor((o) => str(d(o).clusterIP), { id: "clusterIP", header: "Cluster IP", size: 110, meta: { mono: true, filter: true }, cell: (c) => (c.getValue() ? <Mono copy={c.getValue()}><span data-testid="cluster-ip">{c.getValue()}</span></Mono> : <Dash />) }),
        col.accessor((o) => str(d(o).externalIP), { id: "externalIP", header: "External IP", size: 115, meta: { mono: true, filter: true }, cell: (c) => (c.getValue() ? <Mono copy={c.getValue()}><span data-testid="external-ip">{c.getValue()}</span></Mono> : <Dash />) }),
        col.accessor((o) => (Array.isArray(d(o).endpoints) ? (d(o).endpoints as unknown[]).length : -1), {
          id: "endpoints",
          header: "Endpoints",
          size: 80,
          meta: { align: "right" },
          cell: (c) => (c.getValue() < 0 ? <Dash /> : <span className="tabular-nums" data-testid="endpoints">{c.getValue()}</span>),
        }),
      ];
    case "ingresses":
      return [
        col.accessor((o) => str(d(o).externalIP), { id: "externalIP", header: "External IP", size: 120, meta: { mono: true, filter: true }, cell: (c) => (c.getValue() ? <Mono copy={c.getValue()}>{c.getValue()}</Mono> : <Dash />) }),
        col.accessor((o) => (Array.isArray(d(o).backends) ? (d(o).backends as string[]).join(", ") : ""), { id: "backends", header: "Backend services", size: 170, meta: { filter: true } }),
        col.accessor((o) => str(d(o).fipPool), { id: "pool", header: "FIP pool (scope)", size: 220, meta: { mono: true, filter: true }, cell: (c) => (c.getValue() ? <span title={c.getValue()}>{c.getValue().split(":").pop()} <span className="text-faint">({str(d(c.row.original).fipPoolScope)})</span></span> : <Dash />) }),
      ];
    case "network-policies":
      return [
        col.accessor((o) => (Array.isArray(d(o).policyTypes) ? (d(o).policyTypes as string[]).join(", ") : ""), { id: "policyTypes", header: "Policy types", size: 120, meta: { filter: true } }),
        col.accessor((o) => (Array.isArray(d(o).selectedPods) ? (d(o).selectedPods as string[]).join(", ") : ""), {
          id: "selectedPods",
          header: "Selected pods",
          size: 220,
          meta: { filter: true },
          cell: (c) => {
            const pods = (d(c.row.original).selectedPods as string[] | undefined) ?? [];
            if (!pods.length) return <span className="text-faint">none</span>;
            return (
              <span className="flex min-w-0 flex-wrap gap-x-2" title={pods.join(", ")}>
                {pods.map((p) => (
                  <Link key={p} href={kubeHref("Pod", c.row.original.namespace, p)} className="text-accent hover:underline" onClick={(e) => e.stopPropagation()}>
                    {p}
                  </Link>
                ))}
              </span>
            );
          },
        }),
        col.accessor((o) => Number(d(o).rules ?? 0), { id: "rules", header: "Rules", size: 60, meta: { align: "right" }, cell: (c) => <span className="tabular-nums">{c.getValue()}</span> }),
      ];
    case "workloads":
      return [
        col.accessor("kind", { header: "Kind", size: 150, meta: { filter: true } }),
        col.accessor((o) => Number(d(o).replicas ?? 0), { id: "replicas", header: "Replicas", size: 80, meta: { align: "right" } }),
        col.accessor((o) => (Array.isArray(d(o).pods) ? (d(o).pods as string[]).length : 0), { id: "pods", header: "Pods", size: 60, meta: { align: "right" } }),
      ];
    case "network-attachments":
      return [
        col.accessor((o) => str(d(o).network), { id: "network", header: "Network", size: 240, meta: { filter: true }, cell: (c) => <NetworkByFq fq={c.getValue()} /> }),
        col.accessor((o) => str(d(o).cidr), { id: "cidr", header: "CIDR", size: 140, meta: { mono: true, filter: true } }),
      ];
    default:
      return [];
  }
}

function NodeLink({ node }: { node: string }) {
  const { withProject } = useProject();
  return (
    <Link href={withProject(computeNodeHref(node))} className="text-accent hover:underline" onClick={(e) => e.stopPropagation()}>
      {node}
    </Link>
  );
}

function OwnerLink({ ownerKey }: { ownerKey: string }) {
  const { withProject } = useProject();
  const [kind, , name] = ownerKey.split("/");
  return (
    <Link href={withProject(kubeKeyHref(ownerKey))} className="text-accent hover:underline" title={ownerKey} onClick={(e) => e.stopPropagation()}>
      {kind.toLowerCase()}/{name}
    </Link>
  );
}

export function KubeList({ section, namespace: pathNamespace }: { section: KubeSection; namespace?: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const me = useMe();
  const { withProject } = useProject();
  const selected = useSelectedNamespace();
  // a namespace in the URL wins over the project selector
  const namespace = pathNamespace ?? selected.namespace;
  const q = useQuery(
    trpc.kube.list.queryOptions(namespace ? { namespace } : {}, { refetchInterval: KUBE_REFRESH_MS, enabled: namespace !== null }),
  );
  const rows = useMemo(() => (namespace === null ? [] : (q.data ?? []).filter((o) => (section.kinds as Kind[]).includes(o.kind))), [q.data, section, namespace]);
  const deleteKube = useDeleteKube();
  const canWrite = me.role !== "viewer";

  const columns = useMemo(
    () => [
      col.accessor("name", { header: "Name", size: 170, meta: { filter: true }, cell: (c) => <span className="truncate font-medium" title={c.getValue()}>{c.getValue()}</span> }),
      ...(section.namespaced ? [col.accessor("namespace", { header: "Namespace", size: 120, meta: { filter: true } })] : []),
      col.accessor((o) => `${o.status.state} ${o.status.message}`, {
        id: "status",
        header: "Status",
        size: 170,
        meta: { filter: true },
        cell: (c) => <KubeStatusBadge status={c.row.original.status} withMessage />,
      }),
      ...kindColumns(section),
      col.accessor((o) => o.produced.map((p) => p.fq_name.join(":")).join(" "), {
        id: "produced",
        header: "Weft objects",
        size: 380,
        meta: { filter: true },
        enableSorting: false,
        cell: (c) => <ProducedLinks produced={c.row.original.produced} types={section.id === "pods" ? ["virtual-machine-interface", "instance-ip", "virtual-machine"] : undefined} />,
      }),
    ],
    [section],
  );

  const scope =
    namespace === null
      ? `project ${selected.projectName} is not a Kubernetes namespace's project`
      : namespace
        ? `namespace ${namespace}`
        : "all namespaces";

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title={pathNamespace ? `${section.title} in ${pathNamespace}` : section.title}
        description={DESCRIPTIONS[section.id]}
        badges={<Badge tone={namespace === null ? "warn" : "neutral"}>{scope}</Badge>}
        actions={section.id === "services" || section.id === "ingresses" ? <GlobalPoolControl /> : undefined}
      />
      <DataTable
        data={rows}
        columns={columns}
        noun={section.noun}
        getRowId={(o) => o.key}
        rowName={(o) => (section.namespaced ? `${o.namespace}/${o.name}` : o.name)}
        isLoading={q.isLoading && namespace !== null}
        error={q.error}
        onRowClick={(o) => router.push(withProject(kubeHref(o.kind, o.namespace, o.name)))}
        initialSorting={[{ id: "name", desc: false }]}
        filterPlaceholder={`Filter ${section.noun} by name, status, address, Weft object…`}
        actions={
          canWrite && (
            <Link href={withProject("/kubernetes/apply")}>
              <Button size="sm" variant="primary" data-testid="apply-manifests">
                <FileUp className="h-3.5 w-3.5" /> Apply manifests
              </Button>
            </Link>
          )
        }
        bulkAction={
          canWrite
            ? {
                label: "Delete",
                title: (n) => `Delete ${n} ${n === 1 ? section.noun.replace(/s$/, "") : section.noun}?`,
                note: "Everything the kube manager created for them (ports, addresses, floating IPs, security groups, networks) goes with them; deleting a namespace deletes what is in it.",
                run: deleteKube,
              }
            : undefined
        }
        empty={
          namespace === null ? (
            <>
              <p>
                The selected project <Mono>{selected.projectName}</Mono> does not stand for a namespace (namespace <Mono>&lt;ns&gt;</Mono> is project{" "}
                <Mono>{selected.cluster}-&lt;ns&gt;</Mono>).
              </p>
              <p className="text-xs">Pick a {selected.cluster}-… project, or “All projects”, in the selector above.</p>
            </>
          ) : (
            <>
              <p>No {section.noun} {namespace ? `in namespace ${namespace}` : "yet"}.</p>
              <p className="text-xs">
                {canWrite ? (
                  <>
                    Paste or upload a manifest under{" "}
                    <Link className="text-accent hover:underline" href={withProject("/kubernetes/apply")}>
                      Apply manifests
                    </Link>
                    , or connect a Kubernetes API (kubeconfig).
                  </>
                ) : (
                  "An operator or admin applies manifests; they appear here with the objects they produce."
                )}
              </p>
            </>
          )
        }
      />
    </div>
  );
}

const DESCRIPTIONS: Record<string, string> = {
  namespaces: "Each namespace is a project k8s-<ns>; an isolated namespace (opencontrail.org/isolation) gets its own pod and service networks.",
  pods: "Each pod is a virtual machine with a port and an instance IP in its network, on a compute node.",
  services: "A ClusterIP service is a VIP from the service network, a floating IP on every backing pod (ECMP); LoadBalancer adds an external floating IP from the pool in scope.",
  ingresses: "An ingress gets an external floating IP from the pool in scope, on the pods of its backend services.",
  "network-policies": "NetworkPolicies become security groups on the pods they select.",
  workloads: "Deployments, ReplicaSets and ReplicationControllers: the kube manager expands them into pods.",
  "network-attachments": "NetworkAttachmentDefinitions (opencontrail.org/cidr) create virtual networks, Contrail's way.",
};
