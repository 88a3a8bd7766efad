"use client";
// The selected project, as in Contrail: most lists are per project; admins may pick "All projects".
// Held in the URL (?project=<uuid>|all) so views can be shared, remembered in localStorage.
import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { ConfigObject } from "../server/engine/model/types";
import { useTRPC } from "../lib/trpc";
import { useMe } from "./session";

const STORAGE_KEY = "weft.project";
export const ALL_PROJECTS = "all";

interface ProjectContextValue {
  /** undefined = all projects */
  projectUuid: string | undefined;
  project: ConfigObject | undefined;
  projects: ConfigObject[];
  projectsLoading: boolean;
  setProjectUuid: (uuid: string | undefined) => void;
  /** project holding an object, from its fq_name (domain:project:…) */
  projectOf: (fq: string[] | undefined) => ConfigObject | undefined;
  /** appends the current ?project= to a console path */
  withProject: (path: string) => string;
}

export const ProjectContext = createContext<ProjectContextValue | null>(null);

export function ProjectProvider({ children }: { children: ReactNode }) {
  const me = useMe();
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const projectsQ = useQuery(trpc.config.list.queryOptions({ type: "project" }));
  const projects = useMemo(() => (projectsQ.data?.items ?? []) as ConfigObject[], [projectsQ.data]);

  const [stored, setStored] = useState<string | null>(null);
  useEffect(() => {
    try {
      setStored(localStorage.getItem(STORAGE_KEY));
    } catch {
      setStored(null);
    }
  }, []);

  const fromUrl = params.get("project");
  const projectUuid = useMemo(() => {
    const isAdmin = me.role === "admin";
    const valid = (v: string | null) =>
      v === ALL_PROJECTS ? isAdmin : !!v && (projects.length === 0 || projects.some((p) => p.uuid === v));
    for (const v of [fromUrl, stored]) if (valid(v)) return v === ALL_PROJECTS ? undefined : (v as string);
    if (isAdmin) return undefined;
    const granted = projects.find((p) => me.projectUuids.includes(p.uuid));
    const dflt = projects.find((p) => p.fq_name.join(":") === "default-domain:default-project");
    return (granted ?? dflt ?? projects[0])?.uuid;
  }, [fromUrl, stored, projects, me]);

  const setProjectUuid = useCallback(
    (uuid: string | undefined) => {
      const v = uuid ?? ALL_PROJECTS;
      try {
        localStorage.setItem(STORAGE_KEY, v);
      } catch {
        // no storage: the URL still carries the choice
      }
      setStored(v);
      const next = new URLSearchParams(params.toString());
      next.set("project", v);
      router.replace(`${pathname}?${next.toString()}`);
    },
    [params, pathname, router],
  );

  const byFq = useMemo(() => new Map(projects.map((p) => [p.fq_name.join(":"), p])), [projects]);
  const projectOf = useCallback((fq: string[] | undefined) => (fq && fq.length >= 2 ? byFq.get(`${fq[0]}:${fq[1]}`) : undefined), [byFq]);

  const withProject = useCallback(
    (path: string) => {
      const v = projectUuid ?? (me.role === "admin" ? ALL_PROJECTS : undefined);
      if (!v) return path;
      return `${path}${path.includes("?") ? "&" : "?"}project=${encodeURIComponent(v)}`;
    },
    [projectUuid, me.role],
  );

  const value = useMemo<ProjectContextValue>(
    () => ({
      projectUuid,
      project: projects.find((p) => p.uuid === projectUuid),
      projects,
      projectsLoading: projectsQ.isLoading,
      setProjectUuid,
      projectOf,
      withProject,
    }),
    [projectUuid, projects, projectsQ.isLoading, setProjectUuid, projectOf, withProject],
  );
  return <ProjectContext.Provider value={value}>{children}</ProjectContext.Provider>;
}

export function useProject(): ProjectContextValue {
  const v = useContext(ProjectContext);
  if (!v) throw new Error("useProject() outside <ProjectProvider>");
  return v;
}
