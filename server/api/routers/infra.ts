import { z } from "zod";
import { computeNodePorts, computeNodes, controlNodeStatus } from "../../engine/control/views";
import { adminProcedure, router, viewerProcedure } from "../trpc";
import { WeftError } from "../../engine/model/errors";

export const infraRouter = router({
  controlNodes: viewerProcedure.query(({ ctx }) => [controlNodeStatus(ctx.services.engine)]),
  computeNodes: viewerProcedure.query(({ ctx }) => computeNodes(ctx.services.engine)),
  computeNode: viewerProcedure.input(z.object({ name: z.string() })).query(({ ctx, input }) => {
    const node = computeNodes(ctx.services.engine).find((n) => n.name === input.name) ?? null;
    return node ? { ...node, portList: computeNodePorts(ctx.services.engine, input.name) } : null;
  }),
  /** Stops or starts a lab compute node's agent (admin: it takes a node's workloads off the network). */
  setLabAgent: adminProcedure.input(z.object({ name: z.string().min(1), running: z.boolean() })).mutation(async ({ ctx, input }) => {
    const lab = ctx.services.engine.lab;
    if (!lab) throw new WeftError("bad_request", "this console runs no lab compute nodes (WEFT_LAB_NODES=0): stop a real agent on its host");
    const n = await lab.setRunning(input.name, input.running);
    return { name: n.name, stopped: n.held };
  }),
  /** A one-time enrolment token for a compute node's virtual-router (issue 14); admins only, audited. */
  enrolmentToken: adminProcedure
    .input(z.object({ uuid: z.string().uuid(), ttlSeconds: z.number().int().min(60).max(7 * 24 * 3600).optional() }))
    .mutation(({ ctx, input }) => ctx.services.engine.trust.issueToken(input.uuid, ctx.actor, input.ttlSeconds)),
});
