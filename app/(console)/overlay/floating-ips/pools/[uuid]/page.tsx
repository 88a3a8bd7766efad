import { FloatingIpPoolDetail } from "../../../../../../components/overlay/floating-ips/pool-detail";

export default async function Page({ params }: { params: Promise<{ uuid: string }> }) {
  const { uuid } = await params;
  return <FloatingIpPoolDetail uuid={uuid} />;
}
