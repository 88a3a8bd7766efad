import type { Metadata } from "next";
import { RoutingInstanceList } from "../../../../components/routing/instance-list";

export const metadata: Metadata = { title: "Routing Instances" };

export default function Page() {
  return <RoutingInstanceList />;
}
