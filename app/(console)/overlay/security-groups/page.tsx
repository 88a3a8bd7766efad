import type { Metadata } from "next";
import { SecurityGroupList } from "../../../../components/overlay/security-groups/sg-list";

export const metadata: Metadata = { title: "Security groups" };

export default function Page() {
  return <SecurityGroupList />;
}
