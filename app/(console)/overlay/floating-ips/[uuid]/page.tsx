import { FloatingIpDetail } from "../../../../../components/overlay/floating-ips/fip-detail";

export default async function Page({ params }: { params: Promise<{ uuid: string }> }) {
  const { uuid } = await params;
  return <FloatingIpDetail uuid={uuid} />;
}
