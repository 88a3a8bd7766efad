import { z } from "zod";
import { router, viewerProcedure } from "../trpc";

// Any signed-in user may hold tokens; a token acts with its owner's role.
export const tokensRouter = router({
  list: viewerProcedure.query(({ ctx }) => ctx.services.accounts.listTokens(ctx.actor)),
  create: viewerProcedure
    .input(z.object({ name: z.string().min(1, "name must not be empty").max(100), expiresInDays: z.number().int().min(1).max(3650).optional() }))
    .mutation(({ ctx, input }) => ctx.services.accounts.createToken(ctx.actor, input.name, input.expiresInDays)),
  revoke: viewerProcedure
    .input(z.object({ ids: z.array(z.string().max(64)).min(1).max(1000) }))
    .mutation(async ({ ctx, input }) => {
      for (const id of input.ids) await ctx.services.accounts.revokeToken(ctx.actor, id);
      return { revoked: input.ids };
    }),
});
