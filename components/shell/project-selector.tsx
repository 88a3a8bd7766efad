"use client";
import { FolderKanban } from "lucide-react";
import { useMe } from "../session";
import { ALL_PROJECTS, useProject } from "../project-context";

export function ProjectSelector() {
  const me = useMe();
  const { projectUuid, projects, setProjectUuid } = useProject();
  return (
    <label className="flex items-center gap-2 text-xs text-muted">
      <FolderKanban className="h-4 w-4" />
      <span className="sr-only">Project</span>
      <select
        data-testid="project-select"
        value={projectUuid ?? ALL_PROJECTS}
        onChange={(e) => setProjectUuid(e.target.value === ALL_PROJECTS ? undefined : e.target.value)}
        className="h-7 max-w-64 rounded-md border border-line-strong bg-surface px-2 font-mono text-xs text-fg focus:border-accent focus:outline-none"
      >
        {me.role === "admin" && <option value={ALL_PROJECTS}>All projects</option>}
        {projects.map((p) => (
          <option key={p.uuid} value={p.uuid}>
            {p.fq_name.join(":")}
          </option>
        ))}
      </select>
    </label>
  );
}
