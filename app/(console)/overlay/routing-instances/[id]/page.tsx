import { RoutingInstanceDetail } from "../../../../../components/routing/instance-detail";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <RoutingInstanceDetail id={decodeURIComponent(id)} />;
}
