"use client";
import { ObjectDetail } from "../../objects/object-detail";
import { PortOverview } from "./port-overview";

export function PortDetail({ uuid }: { uuid: string }) {
  return <ObjectDetail type="virtual-machine-interface" uuid={uuid} overview={(port) => <PortOverview port={port} />} />;
}
