import type { Metadata } from "next";
import { BgpRouterDetail } from "../../../../../components/bgp/bgp-router-detail";

export const metadata: Metadata = { title: "BGP Router" };

export default async function Page({ params }: { params: Promise<{ uuid: string }> }) {
  const { uuid } = await params;
  return <BgpRouterDetail uuid={uuid} />;
}
