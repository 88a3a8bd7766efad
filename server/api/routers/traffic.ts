import { z } from "zod";
import { testTraffic } from "../../rest/compiled";
import { router, writerProcedure } from "../trpc";

export const trafficRouter = router({
  test: writerProcedure
    .input(
      z.object({
        port: z.string().min(1, "pick the port to send from"),
        destination: z.string().min(1, "give the destination address"),
        protocol: z.enum(["tcp", "udp", "icmp"]).default("icmp"),
        dst_port: z.number().int().min(0).max(65535).optional(),
        src_port: z.number().int().min(0).max(65535).optional(),
      }),
    )
    .mutation(({ ctx, input }) => testTraffic(ctx.services, ctx.actor, input)),
});
