import type { Metadata } from "next";
import { VirtualNetworkList } from "../../../../components/overlay/virtual-networks/vn-list";
import { PrefetchFirstPage } from "../../../../components/objects/prefetch-lists";

export const metadata: Metadata = { title: "Virtual networks" };

export default async function Page({ searchParams }: { searchParams: Promise<{ project?: string }> }) {
  const { project } = await searchParams;
  return (
    <PrefetchFirstPage type="virtual-network" limit={100} project={project}>
      <VirtualNetworkList />
    </PrefetchFirstPage>
  );
}
