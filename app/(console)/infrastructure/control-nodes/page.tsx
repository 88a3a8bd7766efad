import type { Metadata } from "next";
import { ControlNodesPage } from "../../../../components/infrastructure/control-nodes";

export const metadata: Metadata = { title: "Control Nodes" };

export default function Page() {
  return <ControlNodesPage />;
}
