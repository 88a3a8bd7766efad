"use client";
// Deleting BGP routers: links to them held by other routers (e.g. the control node's
// bgp_router_refs) are removed first — the controller refuses to delete a referenced object —
// and this control node's own router is never deleted.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { errorMessage } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { useConfigList, useDeleteObjects, useUpdateObject } from "../objects/use-config";
import { refsOf } from "./bgp-fields";

export function useDeleteBgpRouters() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const objects = useConfigList("bgp-router");
  const deleteObjects = useDeleteObjects("bgp-router");
  const update = useUpdateObject();
  return useCallback(
    async (selected: { uuid: string; name: string; isLocal: boolean }[]): Promise<string | undefined> => {
      const victims = new Set(selected.filter((r) => !r.isLocal).map((r) => r.uuid));
      const problems: string[] = selected.filter((r) => r.isLocal).map((r) => `${r.name} is this control node's own BGP router and cannot be deleted`);
      for (const o of objects.items) {
        if (victims.has(o.uuid)) continue;
        const refs = refsOf(o);
        if (!refs.some((r) => victims.has(r.uuid))) continue;
        try {
          const keep = refs.filter((r) => !victims.has(r.uuid)).map((r) => ({ uuid: r.uuid, attr: r.attr }));
          await update.mutateAsync({ type: "bgp-router", uuid: o.uuid, body: { bgp_router_refs: keep, resource_version: o.resource_version } });
        } catch (e) {
          problems.push(`unlinking from ${o.name} failed: ${errorMessage(e)}`);
        }
      }
      const toDelete = objects.items.filter((o) => victims.has(o.uuid));
      const problem = toDelete.length ? await deleteObjects(toDelete) : undefined;
      if (problem) problems.push(problem);
      await queryClient.invalidateQueries({ queryKey: trpc.bgp.pathKey() });
      return problems.length ? problems.join("; ") : undefined;
    },
    [objects.items, update, deleteObjects, queryClient, trpc],
  );
}
