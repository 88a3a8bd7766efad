import { VirtualNetworkDetail } from "../../../../../components/overlay/virtual-networks/vn-detail";

export default async function Page({ params }: { params: Promise<{ uuid: string }> }) {
  const { uuid } = await params;
  return <VirtualNetworkDetail uuid={uuid} />;
}
