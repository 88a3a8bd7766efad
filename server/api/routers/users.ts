import { z } from "zod";
import { adminProcedure, router } from "../trpc";

const Role = z.enum(["admin", "operator", "viewer"]);

export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => ctx.services.accounts.listUsers()),
  create: adminProcedure
    .input(z.object({ email: z.string(), name: z.string().default(""), password: z.string(), role: Role, projectUuids: z.array(z.string()).optional() }))
    .mutation(({ ctx, input }) => ctx.services.accounts.createUser(input, ctx.actor)),
  update: adminProcedure
    .input(z.object({ id: z.string(), name: z.string().optional(), role: Role.optional(), password: z.string().optional(), projectUuids: z.array(z.string()).optional(), banned: z.boolean().optional() }))
    .mutation(({ ctx, input }) => ctx.services.accounts.updateUser(input, ctx.actor)),
  delete: adminProcedure
    .input(z.object({ ids: z.array(z.string()).min(1) }))
    .mutation(async ({ ctx, input }) => {
      for (const id of input.ids) await ctx.services.accounts.deleteUser(id, ctx.actor);
      return { deleted: input.ids };
    }),
});
