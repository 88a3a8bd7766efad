"use client";
import { ObjectDetail } from "../objects/object-detail";

export function ProjectDetail({ uuid }: { uuid: string }) {
  return <ObjectDetail type="project" uuid={uuid} />;
}
