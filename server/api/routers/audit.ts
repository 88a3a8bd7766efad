import { z } from "zod";
import { flowProjects } from "../../auth/scope";
import { router, viewerProcedure } from "../trpc";

export const auditRouter = router({
  list: viewerProcedure
    .input(
      z.object({
        actor: z.string().max(254).optional(),
        objectType: z.string().max(100).optional(),
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
        before: z.number().int().optional(),
        limit: z.number().int().min(1).max(500).default(100),
      }),
    )
    .query(async ({ ctx, input }) => {
      const items = await ctx.services.engine.config.audit({
        actor: input.actor,
        objectType: input.objectType,
        from: input.from ? new Date(input.from) : undefined,
        to: input.to ? new Date(input.to) : undefined,
        before: input.before,
        limit: input.limit,
        // admins read every entry; operators and viewers their projects' (no user administration)
        projects: flowProjects(ctx.services, ctx.actor),
      });
      return { items, nextBefore: items.length === input.limit ? items[items.length - 1].id : null };
    }),
});
