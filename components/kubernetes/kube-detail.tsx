"use client";
// One Kubernetes object: its reconcile status and warnings, what the kube manager worked out
// (details: pod IP, node, cluster IP, endpoints, pool in scope …), labels and annotations, the
// Weft objects it produced (links), and the object itself as YAML and JSON. Tab in the URL.
import { useQuery } from "@tanstack/react-query";
import { Trash2 } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState, type ReactNode } from "react";
import { stringify } from "yaml";
import { kubeHref, kubeKeyHref, type KubeSection } from "../../lib/kube-routes";
import { useTRPC } from "../../lib/trpc";
import { ObjectLink, formatTime } from "../objects/cells";
import { JsonTab } from "../objects/json-tab";
import { KV } from "../objects/kv";
import { PageHeader } from "../objects/page-header";
import { useProject } from "../project-context";
import { useBreadcrumbName } from "../shell/breadcrumbs";
import { useMe } from "../session";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { CopyButton } from "../ui/copy-button";
import { Mono } from "../ui/mono";
import { Spinner } from "../ui/spinner";
import { Tabs } from "../ui/tabs";
import { KUBE_REFRESH_MS, KubeStatusBadge, typeShort, type KubeObjectView } from "./kube-fields";
import { NetworkByFq, useDeleteKube } from "./kube-list";

export function KubeDetail({ section, namespace, name }: { section: KubeSection; namespace?: string; name: string }) {
  const trpc = useTRPC();
  const me = useMe();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const { withProject } = useProject();
  const ns = section.namespaced ? namespace : name;
  const q = useQuery(trpc.kube.list.queryOptions({ namespace: ns }, { refetchInterval: KUBE_REFRESH_MS }));
  const obj = q.data?.find((o) => (section.kinds as string[]).includes(o.kind) && o.name === name && (!section.namespaced || o.namespace === namespace));
  useBreadcrumbName(obj?.name);
  const [deleting, setDeleting] = useState(false);
  const deleteKube = useDeleteKube();
  const tab = params.get("tab") ?? "overview";

  if (q.isLoading) return <div className="p-6"><Spinner label="Loading…" /></div>;
  if (q.error) return <div className="p-6 text-sm text-danger" role="alert">Could not load it: {q.error.message}</div>;
  if (!obj)
    return (
      <div className="p-6 text-sm text-muted" role="alert">
        {section.title.replace(/s$/, "")} {namespace ? `${namespace}/` : ""}
        {name} does not exist (any more).{" "}
        <Link className="text-accent hover:underline" href={withProject(`/kubernetes/${section.id}`)}>
          Back to {section.title}
        </Link>
      </div>
    );

  function setTab(id: string) {
    const next = new URLSearchParams(params.toString());
    next.set("tab", id);
    router.replace(`${pathname}?${next.toString()}`);
  }

  const canWrite = me.role !== "viewer";
  const inNamespace = obj.kind === "Namespace" ? (q.data ?? []).filter((o) => o.kind !== "Namespace") : [];

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title={obj.name}
        badges={
          <>
            <Badge>{obj.kind}</Badge>
            <KubeStatusBadge status={obj.status} />
          </>
        }
        description={
          <span>
            {obj.namespace ? (
              <>
                namespace <KubeLinkInline kind="Namespace" name={obj.namespace} /> ·{" "}
              </>
            ) : null}
            from {obj.source === "watch" ? "the Kubernetes API (watch)" : "applied manifests"}
            {obj.owner && (
              <>
                {" "}· created by <Link className="text-accent hover:underline" href={withProject(kubeKeyHref(obj.owner))}>{obj.owner}</Link>
              </>
            )}
          </span>
        }
        actions={
          canWrite && (
            <Button size="sm" variant="danger" onClick={() => setDeleting(true)} data-testid="delete-button">
              <Trash2 className="h-3.5 w-3.5" /> Delete
            </Button>
          )
        }
      />
      <div className="bg-surface px-4">
        <Tabs
          value={tab}
          onChange={setTab}
          tabs={[
            { id: "overview", label: "Overview" },
            { id: "produced", label: "Weft objects", count: obj.produced.length },
            { id: "yaml", label: "YAML" },
            { id: "json", label: "JSON" },
          ]}
        />
      </div>
      <div className="min-h-0 flex-1 overflow-auto p-4">
        {tab === "overview" && (
          <div className="flex flex-col gap-4">
            <StatusCard obj={obj} />
            <div className="grid gap-4 lg:grid-cols-2">
              <Card title="Details">
                <DetailsKV obj={obj} />
              </Card>
              <Card title={`Weft objects (${obj.produced.length})`}>
                <ProducedTable obj={obj} />
              </Card>
              <Card title="Labels">
                <Pairs map={obj.labels} testId="kube-labels" />
              </Card>
              <Card title="Annotations">
                <Pairs map={obj.annotations} testId="kube-annotations" />
              </Card>
              {obj.kind === "Namespace" && (
                <Card title={`In this namespace (${inNamespace.length})`}>
                  {inNamespace.length === 0 ? (
                    <p className="text-xs text-muted">Nothing yet.</p>
                  ) : (
                    <ul className="flex flex-col gap-1 text-[13px]">
                      {inNamespace.map((o) => (
                        <li key={o.key} className="flex items-center gap-2">
                          <Badge>{o.kind}</Badge>
                          <Link className="text-accent hover:underline" href={withProject(kubeHref(o.kind, o.namespace, o.name))}>
                            {o.name}
                          </Link>
                          <KubeStatusBadge status={o.status} />
                        </li>
                      ))}
                    </ul>
                  )}
                </Card>
              )}
            </div>
          </div>
        )}
        {tab === "produced" && (
          <Card title="Weft objects produced by the kube manager">
            <ProducedTable obj={obj} />
          </Card>
        )}
        {tab === "yaml" && <YamlView value={obj.object} />}
        {tab === "json" && <JsonTab value={obj} />}
      </div>
      <ConfirmDialog
        open={deleting}
        onOpenChange={setDeleting}
        title={`Delete ${obj.kind} ${obj.namespace ? `${obj.namespace}/` : ""}${obj.name}?`}
        items={obj.produced.map((p) => `${typeShort(p.type)} ${p.fq_name.join(":")}`)}
        note={
          obj.kind === "Namespace"
            ? "Everything in the namespace is deleted with it, and the Weft objects listed above."
            : "The Weft objects listed above go with it (shared ones such as networks and security groups stay while others use them)."
        }
        onConfirm={async () => {
          const problem = await deleteKube([obj]);
          if (problem) return problem;
          router.push(withProject(`/kubernetes/${section.id}`));
        }}
      />
    </div>
  );
}

function KubeLinkInline({ kind, namespace, name }: { kind: string; namespace?: string; name: string }) {
  const { withProject } = useProject();
  return (
    <Link className="text-accent hover:underline" href={withProject(kubeHref(kind, namespace, name))}>
      {name}
    </Link>
  );
}

function StatusCard({ obj }: { obj: KubeObjectView }) {
  const s = obj.status;
  return (
    <Card title="Status">
      <div className="flex flex-col gap-2" data-testid="kube-status-card" data-state={s.state}>
        <div className="flex items-center gap-2">
          <KubeStatusBadge status={s} />
          <span className={s.state === "error" ? "text-[13px] text-danger" : "text-[13px]"} data-testid="kube-status-text">
            {s.message}
          </span>
          <span className="ml-auto text-xs text-faint">{formatTime(s.at)}</span>
        </div>
        {s.warnings.length > 0 && (
          <div role="status" data-testid="kube-warnings" className="rounded-md border border-warn/40 bg-warn-soft px-3 py-2 text-xs text-warn">
            {s.warnings.map((w) => (
              <p key={w}>{w}</p>
            ))}
          </div>
        )}
      </div>
    </Card>
  );
}

function Pairs({ map, testId }: { map: Record<string, string>; testId: string }) {
  const entries = Object.entries(map);
  if (!entries.length) return <p className="text-xs text-muted">None.</p>;
  return (
    <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-4 gap-y-1 text-[13px]" data-testid={testId}>
      {entries.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="font-mono text-xs text-muted">{k}</dt>
          <dd className="min-w-0 font-mono text-xs break-all">{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function ProducedTable({ obj }: { obj: KubeObjectView }) {
  if (!obj.produced.length) return <p className="text-xs text-muted">{obj.status.state === "pending" ? "Not reconciled yet." : "Nothing of its own (it shapes others, or is waiting for them)."}</p>;
  return (
    <table className="w-full text-[13px]" data-testid="kube-produced-table">
      <tbody>
        {obj.produced.map((p) => (
          <tr key={`${p.type}/${p.uuid}`} className="border-b border-line last:border-0" data-testid={`produced-row-${p.type}`}>
            <td className="py-1 pr-2 text-xs text-muted">{typeShort(p.type)}</td>
            <td className="py-1 pr-2">
              <ObjectLink type={p.type} uuid={p.uuid} fq={p.fq_name} />
            </td>
            <td className="py-1 text-xs text-faint">{p.role}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DetailsKV({ obj }: { obj: KubeObjectView }) {
  const d = obj.details as Record<string, unknown>;
  const keys = Object.keys(d);
  if (!keys.length) return <p className="text-xs text-muted">Nothing worked out yet.</p>;
  const rows: [string, ReactNode][] = keys.map((k) => [LABELS[k] ?? k, <DetailValue key={k} name={k} value={d[k]} obj={obj} />]);
  return <KV rows={rows} />;
}

const LABELS: Record<string, string> = {
  podIP: "Pod IP",
  node: "Node",
  network: "Network",
  securityGroups: "Security groups",
  clusterIP: "Cluster IP",
  externalIP: "External IP",
  endpoints: "Endpoints",
  fipPool: "FIP pool",
  fipPoolScope: "Pool scope",
  isolated: "Isolated",
  podNetwork: "Pod network",
  serviceNetwork: "Service network",
  policyTypes: "Policy types",
  selectedPods: "Selected pods",
  rules: "Rules",
  replicas: "Replicas",
  pods: "Pods",
  type: "Type",
  nodePorts: "Node ports",
  backends: "Backends",
  cidr: "CIDR",
  externalName: "External name",
};

function DetailValue({ name, value, obj }: { name: string; value: unknown; obj: KubeObjectView }) {
  const { withProject } = useProject();
  if (value === null || value === undefined || value === "") return <span className="text-faint">—</span>;
  if (["network", "podNetwork", "serviceNetwork"].includes(name)) return <NetworkByFq fq={value} />;
  if (name === "node") return <Link className="text-accent hover:underline" href={withProject(`/infrastructure/compute-nodes/${encodeURIComponent(String(value))}`)}>{String(value)}</Link>;
  if (name === "isolated") return value ? <Badge tone="accent">yes</Badge> : <Badge>no</Badge>;
  if (name === "selectedPods" || name === "pods")
    return (
      <span className="flex flex-wrap gap-x-2">
        {(value as string[]).length === 0 ? <span className="text-faint">none</span> : (value as string[]).map((p) => <KubeLinkInline key={p} kind="Pod" namespace={obj.namespace} name={p} />)}
      </span>
    );
  if (name === "backends")
    return (
      <span className="flex flex-wrap gap-x-2">
        {(value as string[]).map((s) => <KubeLinkInline key={s} kind="Service" namespace={obj.namespace} name={s} />)}
      </span>
    );
  if (name === "endpoints")
    return (
      <span className="flex flex-col" data-testid="service-endpoints">
        {(value as { pod: string; ip: string; node: string }[]).length === 0 ? (
          <span className="text-faint">none: no ready pod matches the selector</span>
        ) : (
          (value as { pod: string; ip: string; node: string }[]).map((e) => (
            <span key={e.pod} className="flex gap-2">
              <KubeLinkInline kind="Pod" namespace={obj.namespace} name={e.pod} />
              <Mono copy={e.ip}>{e.ip}</Mono>
              <span className="text-xs text-muted">{e.node}</span>
            </span>
          ))
        )}
      </span>
    );
  if (name === "nodePorts")
    return (
      <span className="flex flex-col font-mono text-xs">
        {(value as { port: number; nodePort: number }[]).map((p) => (
          <span key={p.port}>
            {p.port} → node port {p.nodePort}
          </span>
        ))}
      </span>
    );
  if (["podIP", "clusterIP", "externalIP", "cidr"].includes(name)) return <Mono copy={String(value)}>{String(value)}</Mono>;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return <span className="font-mono text-xs break-all">{value.join(", ") || "—"}</span>;
  if (typeof value === "object") return <pre className="font-mono text-xs whitespace-pre-wrap">{JSON.stringify(value, null, 1)}</pre>;
  return <span className={typeof value === "string" && value.includes(":") ? "font-mono text-xs break-all" : undefined}>{String(value)}</span>;
}

function YamlView({ value }: { value: unknown }) {
  const text = stringify(value);
  return (
    <div className="relative rounded-lg border border-line bg-surface-2">
      <div className="absolute top-2 right-2">
        <CopyButton value={text} label="Copy YAML" />
      </div>
      <pre className="overflow-auto p-3 font-mono text-xs leading-relaxed" data-testid="object-yaml">
        {text}
      </pre>
    </div>
  );
}
