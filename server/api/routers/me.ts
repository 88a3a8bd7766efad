import { publicProcedure, router } from "../trpc";

export const meRouter = router({
  get: publicProcedure.query(async ({ ctx }) => {
    if (!ctx.actor?.userId) return null;
    const u = (await ctx.services.accounts.listUsers()).find((x) => x.id === ctx.actor!.userId);
    return u ? { id: u.id, email: u.email, name: u.name, role: u.role, projectUuids: u.projectUuids } : null;
  }),
});
