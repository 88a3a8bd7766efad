import type { Metadata } from "next";
import { ReachabilityPage } from "../../../../components/monitor/reachability";

export const metadata: Metadata = { title: "Reachability" };

export default function Page() {
  return <ReachabilityPage />;
}
