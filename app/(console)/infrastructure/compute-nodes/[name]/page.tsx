import { ComputeNodeDetail } from "../../../../../components/infrastructure/compute-node-detail";

export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return <ComputeNodeDetail name={decodeURIComponent(name)} />;
}
