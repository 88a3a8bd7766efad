import type { Metadata } from "next";
import { BgpRouterList } from "../../../../components/bgp/bgp-router-list";

export const metadata: Metadata = { title: "BGP Routers" };

export default function Page() {
  return <BgpRouterList />;
}
