"use client";
import { ObjectDetail } from "../../objects/object-detail";

export function FloatingIpPoolDetail({ uuid }: { uuid: string }) {
  return <ObjectDetail type="floating-ip-pool" uuid={uuid} listHref="/overlay/floating-ips?view=pools" />;
}
