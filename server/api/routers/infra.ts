import { z } from "zod";
import { computeNodePorts, computeNodes, controlNodeStatus } from "../../engine/control/views";
import { router, viewerProcedure } from "../trpc";

export const infraRouter = router({
  controlNodes: viewerProcedure.query(({ ctx }) => [controlNodeStatus(ctx.services.engine)]),
  computeNodes: viewerProcedure.query(({ ctx }) => computeNodes(ctx.services.engine)),
  computeNode: viewerProcedure.input(z.object({ name: z.string() })).query(({ ctx, input }) => {
    const node = computeNodes(ctx.services.engine).find((n) => n.name === input.name) ?? null;
    return node ? { ...node, portList: computeNodePorts(ctx.services.engine, input.name) } : null;
  }),
});
