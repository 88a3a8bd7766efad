// Monitor › Topology: the graph model of the logical or infrastructure view, and the flow overlay
// (traffic between the model's nodes over a time range). Thin: zod input, one engine call.
import { z } from "zod";
import { TOPOLOGY_VIEWS, type TopologyView, buildTopology, flowOverlay } from "../../engine/topology";
import { router, viewerProcedure } from "../trpc";

const View = z.enum(TOPOLOGY_VIEWS as [TopologyView, ...TopologyView[]]);
const UNIT: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const topologyRouter = router({
  graph: viewerProcedure
    .input(z.object({ view: View, project: z.string().max(200).nullish(), expand: z.array(z.string().max(200)).max(1000).default([]), maxNodes: z.number().int().min(10).max(100_000).optional() }))
    .query(({ ctx, input }) => buildTopology(ctx.services.engine, input.view, { project: input.project, expand: input.expand, maxNodes: input.maxNodes })),

  flows: viewerProcedure
    .input(z.object({ view: View, last: z.string().regex(/^\d+[smhd]$/, 'relative ranges look like "15m", "1h", "7d"').default("15m") }))
    .query(({ ctx, input }) => {
      const m = /^(\d+)([smhd])$/.exec(input.last)!;
      const now = Date.now();
      return flowOverlay(ctx.services.engine, input.view, { from: now - Number(m[1]) * UNIT[m[2]], to: now + 1 });
    }),
});
