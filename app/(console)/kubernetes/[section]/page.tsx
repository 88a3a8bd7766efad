import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { KubeList } from "../../../../components/kubernetes/kube-list";
import { kubeSection } from "../../../../lib/kube-routes";

export async function generateMetadata({ params }: { params: Promise<{ section: string }> }): Promise<Metadata> {
  return { title: kubeSection((await params).section)?.title ?? "Kubernetes" };
}

export default async function Page({ params }: { params: Promise<{ section: string }> }) {
  const section = kubeSection((await params).section);
  if (!section) notFound();
  return <KubeList section={section} />;
}
