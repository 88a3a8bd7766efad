"use client";
// Detail page for types without a page of their own (instance IP, virtual machine, domain).
import { isObjectType } from "../../server/engine/model/types";
import { ObjectDetail } from "./object-detail";

export function GenericDetail({ type, uuid }: { type: string; uuid: string }) {
  if (!isObjectType(type)) return <div className="p-6 text-sm text-danger">Unknown object type “{type}”.</div>;
  return <ObjectDetail type={type} uuid={uuid} listHref="/overlay/virtual-networks" />;
}
