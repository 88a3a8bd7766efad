import { z } from "zod";
import { applySuggestion, reachability, reachabilityMatrix } from "../../rest/reachability";
import { router, viewerProcedure, writerProcedure } from "../trpc";

const Probe = z
  .object({
    // the test-traffic body: a port (or workload) to start from, or from_vrf + source for a packet from outside
    port: z.string().max(400).optional(),
    from_vrf: z.string().max(400).optional(),
    source: z.string().max(64).optional(),
    destination: z.string().min(1, "give the destination address").max(64),
    protocol: z.enum(["tcp", "udp", "icmp"]).default("tcp"),
    dst_port: z.number().int().min(0).max(65535).optional(),
    src_port: z.number().int().min(0).max(65535).optional(),
    suggest: z.boolean().optional(),
  })
  .refine((v) => !!v.port || !!v.from_vrf, { message: "pick the port or workload to start from (or from_vrf for a packet from outside)", path: ["port"] });

export const reachabilityRouter = router({
  ask: viewerProcedure.input(Probe).mutation(({ ctx, input }) => reachability(ctx.services, ctx.actor, input)),
  matrix: viewerProcedure
    .input(
      z.object({
        sources: z.array(z.string().max(400)).min(1).max(100),
        destinations: z.array(z.string().max(400)).min(1).max(100),
        protocol: z.enum(["tcp", "udp", "icmp"]).default("tcp"),
        dst_port: z.number().int().min(0).max(65535).optional(),
      }),
    )
    .mutation(({ ctx, input }) => reachabilityMatrix(ctx.services, ctx.actor, input)),
  applySuggestion: writerProcedure
    .input(z.object({ changes: z.array(z.record(z.string(), z.unknown())).min(1).max(20) }))
    .mutation(({ ctx, input }) => applySuggestion(ctx.services, ctx.actor, input)),
});
