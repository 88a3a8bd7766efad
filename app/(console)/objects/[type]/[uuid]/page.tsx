import { GenericDetail } from "../../../../../components/objects/generic-detail";

export default async function Page({ params }: { params: Promise<{ type: string; uuid: string }> }) {
  const { type, uuid } = await params;
  return <GenericDetail type={type} uuid={uuid} />;
}
