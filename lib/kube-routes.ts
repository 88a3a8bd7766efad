// Where Kubernetes objects live in the console: one list page per section of the "Kubernetes"
// area, a detail page per object at /kubernetes/<section>/<namespace>/<name> (namespaces:
// /kubernetes/namespaces/<name>), and the project ↔ namespace mapping (project k8s-<ns>).
import type { Kind } from "../server/engine/kube/resources";

export interface KubeSection {
  /** URL segment under /kubernetes */
  id: string;
  title: string;
  /** kinds listed in the section (workloads: three) */
  kinds: Kind[];
  noun: string;
  namespaced: boolean;
}

export const KUBE_SECTIONS: KubeSection[] = [
  { id: "namespaces", title: "Namespaces", kinds: ["Namespace"], noun: "namespaces", namespaced: false },
  { id: "pods", title: "Pods", kinds: ["Pod"], noun: "pods", namespaced: true },
  { id: "services", title: "Services", kinds: ["Service"], noun: "services", namespaced: true },
  { id: "ingresses", title: "Ingresses", kinds: ["Ingress"], noun: "ingresses", namespaced: true },
  { id: "network-policies", title: "Network Policies", kinds: ["NetworkPolicy"], noun: "network policies", namespaced: true },
  { id: "workloads", title: "Workloads", kinds: ["Deployment", "ReplicaSet", "ReplicationController"], noun: "workloads", namespaced: true },
  { id: "network-attachments", title: "Network attachments", kinds: ["NetworkAttachmentDefinition"], noun: "network attachment definitions", namespaced: true },
];

export const kubeSection = (id: string) => KUBE_SECTIONS.find((s) => s.id === id);
export const sectionOfKind = (kind: string) => KUBE_SECTIONS.find((s) => (s.kinds as string[]).includes(kind));

/** The detail page of one Kubernetes object. */
export function kubeHref(kind: string, namespace: string | undefined, name: string): string {
  const s = sectionOfKind(kind);
  if (!s) return "/kubernetes/apply";
  return s.namespaced ? `/kubernetes/${s.id}/${encodeURIComponent(namespace || "default")}/${encodeURIComponent(name)}` : `/kubernetes/${s.id}/${encodeURIComponent(name)}`;
}

/** A workload key "Deployment/ns/name" (a pod's owner) → its page. */
export function kubeKeyHref(key: string): string {
  const [kind, ...rest] = key.split("/");
  return rest.length === 2 ? kubeHref(kind, rest[0], rest[1]) : kubeHref(kind, undefined, rest[0] ?? "");
}

/** Contrail's namespace ↔ project mapping: namespace <ns> is project <cluster>-<ns>. */
export function namespaceOfProject(projectName: string | undefined, cluster: string): string | undefined {
  if (!projectName || !projectName.startsWith(`${cluster}-`)) return undefined;
  return projectName.slice(cluster.length + 1);
}
