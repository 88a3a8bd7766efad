"use client";
// Config-object queries and mutations shared by every object page.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import type { ConfigObject, ObjectType } from "../../server/engine/model/types";
import { useTRPC } from "../../lib/trpc";
import { objectHref, TYPE_PAGES, typeLabel } from "../../lib/object-routes";
import { useToast } from "../ui/toast";
import { useContext } from "react";
import { ProjectContext } from "../project-context";

/** "Created virtual network vn-a" with a link to it: every write says it happened. */
function useWriteToast() {
  const toast = useToast();
  // the project context is absent on pages outside the console frame: links then carry no project
  const withProject = useContext(ProjectContext)?.withProject ?? ((p: string) => p);
  return useCallback(
    (verb: "Created" | "Updated", o: { type: string; uuid: string; fq_name: string[] }) =>
      toast({ message: `${verb} ${typeLabel(o.type).toLowerCase()} ${o.fq_name[o.fq_name.length - 1]}`, href: withProject(objectHref(o.type, o.uuid)), linkLabel: "Open" }),
    [toast, withProject],
  );
}

/**
 * A config list. `firstPage`: also ask, unbatched, for the first rows by name, and show them while
 * the whole list (thousands of objects) is on its way — the table's default order is by name.
 */
export function useConfigList(type: ObjectType, opts: { projectUuid?: string; parentUuid?: string; enabled?: boolean; firstPage?: number } = {}) {
  const trpc = useTRPC();
  const enabled = opts.enabled ?? true;
  const q = useQuery(trpc.config.list.queryOptions({ type, projectUuid: opts.projectUuid, parentUuid: opts.parentUuid }, { enabled }));
  const head = useQuery(
    trpc.config.list.queryOptions(
      { type, projectUuid: opts.projectUuid, parentUuid: opts.parentUuid, limit: opts.firstPage ?? 1 },
      { enabled: enabled && !!opts.firstPage && !q.data, trpc: { context: { skipBatch: true } } },
    ),
  );
  if (!q.data && head.data) {
    return { ...q, isLoading: false, isPending: false, partial: true, items: head.data.items as ConfigObject[] };
  }
  return { ...q, partial: false, items: (q.data?.items ?? EMPTY) as ConfigObject[] };
}
const EMPTY: ConfigObject[] = [];

export function useConfigObject(type: ObjectType, uuid: string) {
  const trpc = useTRPC();
  return useQuery(trpc.config.get.queryOptions({ type, uuid }));
}

/** After any write: every config list, object and history may have changed. */
export function useInvalidateConfig() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: trpc.config.pathKey() }),
        queryClient.invalidateQueries({ queryKey: trpc.audit.pathKey() }),
      ]),
    [queryClient, trpc],
  );
}

export function useCreateObject() {
  const trpc = useTRPC();
  const invalidate = useInvalidateConfig();
  const toast = useWriteToast();
  return useMutation(
    trpc.config.create.mutationOptions({
      onSuccess: (o) => {
        toast("Created", o as ConfigObject);
        return invalidate();
      },
    }),
  );
}

export function useUpdateObject() {
  const trpc = useTRPC();
  const invalidate = useInvalidateConfig();
  const toast = useWriteToast();
  return useMutation(
    trpc.config.update.mutationOptions({
      onSuccess: (o) => {
        toast("Updated", o as ConfigObject);
        return invalidate();
      },
    }),
  );
}

/** Deletes objects; resolves to a sentence listing what could not be deleted, or undefined. */
export function useDeleteObjects(type: ObjectType) {
  const trpc = useTRPC();
  const invalidate = useInvalidateConfig();
  const del = useMutation(trpc.config.delete.mutationOptions());
  const toast = useToast();
  const withProject = useContext(ProjectContext)?.withProject ?? ((p: string) => p);
  return useCallback(
    async (objects: ConfigObject[]): Promise<string | undefined> => {
      const res = await del.mutateAsync({ type, uuids: objects.map((o) => o.uuid) });
      await invalidate();
      if (res.deleted.length) {
        const names = objects.filter((o) => res.deleted.includes(o.uuid)).map((o) => o.fq_name[o.fq_name.length - 1]);
        const what = names.length === 1 ? `${typeLabel(type).toLowerCase()} ${names[0]}` : `${names.length} ${TYPE_PAGES[type]?.plural.toLowerCase() ?? typeLabel(type)}`;
        const list = TYPE_PAGES[type]?.list;
        toast({ message: `Deleted ${what}`, href: list ? withProject(list) : undefined, linkLabel: "Back to the list" });
      }
      if (res.failed.length === 0) return undefined;
      const names = new Map(objects.map((o) => [o.uuid, o.fq_name.join(":")]));
      return `${res.deleted.length} deleted, ${res.failed.length} refused: ` + res.failed.map((f) => `${names.get(f.uuid) ?? f.uuid}: ${f.message}`).join("; ");
    },
    [del, invalidate, type, toast, withProject],
  );
}
