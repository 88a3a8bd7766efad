import { publicProcedure, router } from "../trpc";

export const meRouter = router({
  get: publicProcedure.query(({ ctx }) => (ctx.actor?.userId ? ctx.services.accounts.me(ctx.actor.userId) : null)),
});
