import type { Metadata } from "next";
import { ProjectList } from "../../../../components/infrastructure/project-list";

export const metadata: Metadata = { title: "Projects" };

export default function Page() {
  return <ProjectList />;
}
