import { PortDetail } from "../../../../../components/overlay/ports/port-detail";

export default async function Page({ params }: { params: Promise<{ uuid: string }> }) {
  const { uuid } = await params;
  return <PortDetail uuid={uuid} />;
}
