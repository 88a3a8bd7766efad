// Server component: runs a list page's first-page query during the server render and hands the
// result to React Query on the client (HydrationBoundary), so the first rows are in the HTML.
// Query keys match useConfigList's first-page query exactly.
import { HydrationBoundary, QueryClient, dehydrate } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { appRouter } from "../../server/api/root";
import { createContext } from "../../server/api/trpc";
import type { ObjectType } from "../../server/engine/model/types";

export async function PrefetchFirstPage({
  type,
  limit,
  project,
  children,
}: {
  type: ObjectType;
  limit: number;
  /** the page's ?project= ("all" or absent: every project, an admin's default) */
  project?: string;
  children: ReactNode;
}) {
  const queryClient = new QueryClient();
  const ctx = await createContext({ req: new Request("http://weft.local/api/trpc", { headers: await headers() }) });
  // a non-admin's default project is chosen in the browser: only prefetch what the key will be
  if (ctx.actor && (ctx.actor.role === "admin" || (project && project !== "all"))) {
    const trpc = createTRPCOptionsProxy({ router: appRouter, ctx, queryClient });
    const projectUuid = project && project !== "all" ? project : undefined;
    await queryClient.prefetchQuery(trpc.config.list.queryOptions({ type, projectUuid, parentUuid: undefined, limit }));
  }
  return <HydrationBoundary state={dehydrate(queryClient)}>{children}</HydrationBoundary>;
}
