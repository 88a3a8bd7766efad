import { SecurityGroupDetail } from "../../../../../components/overlay/security-groups/sg-detail";

export default async function Page({ params }: { params: Promise<{ uuid: string }> }) {
  const { uuid } = await params;
  return <SecurityGroupDetail uuid={uuid} />;
}
