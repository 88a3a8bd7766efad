import type { Metadata } from "next";
import { IpamList } from "../../../../components/overlay/ipam/ipam-list";

export const metadata: Metadata = { title: "IPAM" };

export default function Page() {
  return <IpamList />;
}
