import type { Metadata } from "next";
import { GlobalConfigPage } from "../../../../components/infrastructure/global-config";

export const metadata: Metadata = { title: "Global Config" };

export default function Page() {
  return <GlobalConfigPage />;
}
