import { IpamDetail } from "../../../../../components/overlay/ipam/ipam-detail";

export default async function Page({ params }: { params: Promise<{ uuid: string }> }) {
  const { uuid } = await params;
  return <IpamDetail uuid={uuid} />;
}
