import { z } from "zod";
import { testTraffic } from "../../rest/compiled";
import { router, writerProcedure } from "../trpc";

export const trafficRouter = router({
  test: writerProcedure
    .input(
      z.object({
        // either a port to send from, or from_vrf + source: a packet from outside (the gateway side)
        port: z.string().optional(),
        from_vrf: z.string().optional(),
        source: z.string().optional(),
        destination: z.string().min(1, "give the destination address"),
        protocol: z.enum(["tcp", "udp", "icmp"]).default("icmp"),
        dst_port: z.number().int().min(0).max(65535).optional(),
        src_port: z.number().int().min(0).max(65535).optional(),
      })
      .refine((v) => !!v.port || !!v.from_vrf, { message: "pick the port to send from (or from_vrf for a packet from outside)", path: ["port"] }),
    )
    .mutation(({ ctx, input }) => testTraffic(ctx.services, ctx.actor, input)),
});
