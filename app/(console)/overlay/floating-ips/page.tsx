import type { Metadata } from "next";
import { FloatingIpPage } from "../../../../components/overlay/floating-ips/fip-page";

export const metadata: Metadata = { title: "Floating IPs" };

export default function Page() {
  return <FloatingIpPage />;
}
