"use client";
// On a Weft object's page: "Created by Kubernetes pod <ns>/<name>" when the kube manager made it
// (kube.ownerOf), so an operator on a port, a floating IP or a network finds the pod or service.
import { useQuery } from "@tanstack/react-query";
import { Container } from "lucide-react";
import { useTRPC } from "../../lib/trpc";
import { KubeLink, KubeStatusBadge } from "./kube-fields";

const KIND_WORD: Record<string, string> = { NetworkPolicy: "network policy", NetworkAttachmentDefinition: "network attachment definition", ReplicaSet: "replica set", ReplicationController: "replication controller" };

export function KubeOwnerNote({ uuid }: { uuid: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.kube.ownerOf.queryOptions({ uuid }, { staleTime: 10_000 }));
  const o = q.data;
  if (!o) return null;
  const role = o.produced.find((p) => p.uuid === uuid)?.role;
  return (
    <div className="flex flex-wrap items-center gap-2 rounded-md border border-line bg-surface px-3 py-2 text-[13px]" data-testid="kube-owner">
      <Container className="h-4 w-4 text-muted" />
      <span>
        Created by Kubernetes {KIND_WORD[o.kind] ?? o.kind.toLowerCase()} <KubeLink kind={o.kind} namespace={o.namespace || undefined} name={o.name} />
        {role ? <span className="text-muted"> ({role})</span> : null}
      </span>
      <KubeStatusBadge status={o.status} />
      <span className="text-xs text-faint">Change it through its manifest: the kube manager may undo edits made here when it reconciles.</span>
    </div>
  );
}
