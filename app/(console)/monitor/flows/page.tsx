import type { Metadata } from "next";
import { Suspense } from "react";
import { FlowsPage } from "../../../../components/flows/flows-page";

export const metadata: Metadata = { title: "Flows" };

export default function Page() {
  return (
    <Suspense>
      <FlowsPage />
    </Suspense>
  );
}
