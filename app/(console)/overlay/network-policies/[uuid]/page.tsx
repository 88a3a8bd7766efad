import { NetworkPolicyDetail } from "../../../../../components/overlay/network-policies/policy-detail";

export default async function Page({ params }: { params: Promise<{ uuid: string }> }) {
  const { uuid } = await params;
  return <NetworkPolicyDetail uuid={uuid} />;
}
