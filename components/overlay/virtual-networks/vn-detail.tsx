"use client";
import { ObjectDetail } from "../../objects/object-detail";
import { VirtualNetworkForm } from "./vn-form";
import { VirtualNetworkOverview } from "./vn-overview";

export function VirtualNetworkDetail({ uuid }: { uuid: string }) {
  return (
    <ObjectDetail
      type="virtual-network"
      uuid={uuid}
      overview={(vn) => <VirtualNetworkOverview vn={vn} />}
      renderEdit={({ object, onOpenChange }) => <VirtualNetworkForm open onOpenChange={onOpenChange} existing={object} />}
    />
  );
}
