import { z } from "zod";
import { adminProcedure, router } from "../trpc";

const Role = z.enum(["admin", "operator", "viewer"]);

export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => ctx.services.accounts.listUsers()),
  create: adminProcedure
    .input(z.object({ email: z.string().max(254), name: z.string().max(200).default(""), password: z.string().max(1024), role: Role, projectUuids: z.array(z.string().max(64)).max(1000).optional() }))
    .mutation(({ ctx, input }) => ctx.services.accounts.createUser(input, ctx.actor)),
  update: adminProcedure
    .input(z.object({ id: z.string().max(64), name: z.string().max(200).optional(), role: Role.optional(), password: z.string().max(1024).optional(), projectUuids: z.array(z.string().max(64)).max(1000).optional(), banned: z.boolean().optional() }))
    .mutation(({ ctx, input }) => ctx.services.accounts.updateUser(input, ctx.actor)),
  delete: adminProcedure
    .input(z.object({ ids: z.array(z.string().max(64)).min(1).max(1000) }))
    .mutation(async ({ ctx, input }) => {
      for (const id of input.ids) await ctx.services.accounts.deleteUser(id, ctx.actor);
      return { deleted: input.ids };
    }),
});
