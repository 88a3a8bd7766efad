// Alarms (Monitor › Overview): the alarm engine's list and acknowledgement. Thin: zod input, one engine call.
import { z } from "zod";
import { acknowledgeAlarm } from "../../engine/alarms";
import { router, viewerProcedure, writerProcedure } from "../trpc";

export const alarmsRouter = router({
  list: viewerProcedure
    .input(z.object({ cleared: z.boolean().default(false) }).default({ cleared: false }))
    .query(({ ctx, input }) => ctx.services.engine.alarms.list({ cleared: input.cleared })),
  acknowledge: writerProcedure
    .input(z.object({ table: z.string().min(1), name: z.string().min(1), type: z.string().min(1), token: z.string().min(1) }))
    .mutation(({ ctx, input }) => acknowledgeAlarm(ctx.services.engine, input, ctx.actor)),
});
