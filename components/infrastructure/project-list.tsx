"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { useMemo } from "react";
import type { ConfigObject } from "../../server/engine/model/types";
import { formatTime } from "../objects/cells";
import { ObjectList } from "../objects/object-list";
import { useConfigList } from "../objects/use-config";
import { useIsAdmin } from "../session";
import { Badge } from "../ui/badge";
import { useMe } from "../session";
import { ProjectForm } from "./project-form";

const col = createColumnHelper<ConfigObject>();

export function ProjectList() {
  const me = useMe();
  const isAdmin = useIsAdmin();
  const projects = useConfigList("project");
  const columns = useMemo(
    () => [
      col.accessor("name", { header: "Name", size: 200, meta: { filter: true }, cell: (c) => <span className="font-medium">{c.getValue()}</span> }),
      col.accessor((o) => o.fq_name.join(":"), { id: "fq_name", header: "FQ name", size: 280, meta: { mono: true, filter: true } }),
      col.accessor("uuid", { header: "UUID", size: 290, meta: { mono: true, filter: true } }),
      col.accessor((o) => o.id_perms?.created ?? "", { id: "created", header: "Created", size: 160, cell: (c) => <span className="tabular-nums">{formatTime(c.getValue())}</span> }),
      col.accessor((o) => (me.role === "admin" || me.projectUuids.includes(o.uuid) ? (me.role === "viewer" ? "read" : "write") : "read"), {
        id: "access",
        header: "Your access",
        size: 110,
        cell: (c) => (c.getValue() === "write" ? <Badge tone="ok">Write</Badge> : <Badge>Read</Badge>),
      }),
    ],
    [me],
  );
  return (
    <ObjectList
      type="project"
      title="Projects"
      description="Tenants: virtual networks, ports, policies and security groups live in a project."
      noun="projects"
      items={projects.items}
      isLoading={projects.isLoading}
      error={projects.error}
      columns={columns}
      createLabel="Create project"
      emptyHint="Create a project, then pick it in the project selector at the top."
      deleteNote="A project that still holds networks, ports or other objects is refused (its default security group goes with it)."
      writable={isAdmin}
      renderCreate={(p) => <ProjectForm {...p} />}
    />
  );
}
