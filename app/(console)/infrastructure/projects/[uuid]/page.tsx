import { ProjectDetail } from "../../../../../components/infrastructure/project-detail";

export default async function Page({ params }: { params: Promise<{ uuid: string }> }) {
  const { uuid } = await params;
  return <ProjectDetail uuid={uuid} />;
}
