import type { Metadata } from "next";
import { VirtualNetworkList } from "../../../../components/overlay/virtual-networks/vn-list";

export const metadata: Metadata = { title: "Virtual networks" };

export default function Page() {
  return <VirtualNetworkList />;
}
