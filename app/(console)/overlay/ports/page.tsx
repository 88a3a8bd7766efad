import type { Metadata } from "next";
import { PortList } from "../../../../components/overlay/ports/port-list";

export const metadata: Metadata = { title: "Ports" };

export default function Page() {
  return <PortList />;
}
