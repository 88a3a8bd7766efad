import { notFound } from "next/navigation";
import { KubeDetail } from "../../../../../components/kubernetes/kube-detail";
import { KubeList } from "../../../../../components/kubernetes/kube-list";
import { kubeSection } from "../../../../../lib/kube-routes";

// /kubernetes/<section>/<namespace>/<name>: one object; /kubernetes/<section>/<namespace>: the
// section's list in that namespace; /kubernetes/namespaces/<name>: one namespace.
export default async function Page({ params }: { params: Promise<{ section: string; path: string[] }> }) {
  const { section: id, path } = await params;
  const section = kubeSection(id);
  const parts = path.map(decodeURIComponent);
  if (!section || parts.length > 2) notFound();
  if (!section.namespaced) {
    if (parts.length !== 1) notFound();
    return <KubeDetail section={section} name={parts[0]} />;
  }
  if (parts.length === 1) return <KubeList section={section} namespace={parts[0]} />;
  return <KubeDetail section={section} namespace={parts[0]} name={parts[1]} />;
}
