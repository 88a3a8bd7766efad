import type { Metadata } from "next";
import { TestTrafficPage } from "../../../../components/monitor/test-traffic";

export const metadata: Metadata = { title: "Test traffic" };

export default function Page() {
  return <TestTrafficPage />;
}
