import type { Metadata } from "next";
import { ApplyManifestsPage } from "../../../../components/kubernetes/apply-page";

export const metadata: Metadata = { title: "Apply manifests" };

export default function Page() {
  return <ApplyManifestsPage />;
}
