import type { Metadata } from "next";
import { Suspense } from "react";
import { preload } from "react-dom";
import { TopologyPage } from "../../../../components/topology/topology-page";

export const metadata: Metadata = { title: "Topology" };

/**
 * The graph model is the page's largest download: the browser starts it with the HTML (a
 * <link rel=preload> in the head), in parallel with the JS bundle, instead of after the bundle has
 * run. The URL is exactly the one the page's tRPC query asks for (httpLink GET, no transformer), so
 * the query is answered from the preload. Only when the URL says which project (?project=all|uuid):
 * otherwise the project comes from the browser's storage and the input is not known here.
 */
export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const one = (k: string) => (typeof sp[k] === "string" ? (sp[k] as string) : "");
  const view = one("view") === "infrastructure" ? "infrastructure" : "logical";
  const project = one("project");
  if (project || view === "infrastructure") {
    const input = { view, project: view === "logical" && project !== "all" ? project || null : null, expand: one("expand").split(",").filter(Boolean) };
    preload(`/api/trpc/topology.graph?input=${encodeURIComponent(JSON.stringify(input))}`, { as: "fetch", crossOrigin: "anonymous" });
  }
  return (
    <Suspense>
      <TopologyPage />
    </Suspense>
  );
}
