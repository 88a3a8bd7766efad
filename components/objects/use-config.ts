"use client";
// Config-object queries and mutations shared by every object page.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import type { ConfigObject, ObjectType } from "../../server/engine/model/types";
import { useTRPC } from "../../lib/trpc";

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
  return useMutation(trpc.config.create.mutationOptions({ onSuccess: () => invalidate() }));
}

export function useUpdateObject() {
  const trpc = useTRPC();
  const invalidate = useInvalidateConfig();
  return useMutation(trpc.config.update.mutationOptions({ onSuccess: () => invalidate() }));
}

/** Deletes objects; resolves to a sentence listing what could not be deleted, or undefined. */
export function useDeleteObjects(type: ObjectType) {
  const trpc = useTRPC();
  const invalidate = useInvalidateConfig();
  const del = useMutation(trpc.config.delete.mutationOptions());
  return useCallback(
    async (objects: ConfigObject[]): Promise<string | undefined> => {
      const res = await del.mutateAsync({ type, uuids: objects.map((o) => o.uuid) });
      await invalidate();
      if (res.failed.length === 0) return undefined;
      const names = new Map(objects.map((o) => [o.uuid, o.fq_name.join(":")]));
      return `${res.deleted.length} deleted, ${res.failed.length} refused: ` + res.failed.map((f) => `${names.get(f.uuid) ?? f.uuid}: ${f.message}`).join("; ");
    },
    [del, invalidate, type],
  );
}
