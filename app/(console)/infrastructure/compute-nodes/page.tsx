import type { Metadata } from "next";
import { ComputeNodeList } from "../../../../components/infrastructure/compute-node-list";

export const metadata: Metadata = { title: "Compute Nodes" };

export default function Page() {
  return <ComputeNodeList />;
}
