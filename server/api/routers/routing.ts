import { z } from "zod";
import { routesOf, routingInstance, routingInstances } from "../../engine/control/views";
import { router, viewerProcedure } from "../trpc";

export const routingRouter = router({
  instances: viewerProcedure.input(z.object({ search: z.string().optional() }).optional()).query(({ ctx, input }) => routingInstances(ctx.services.engine, input?.search)),
  instance: viewerProcedure.input(z.object({ id: z.string() })).query(({ ctx, input }) => routingInstance(ctx.services.engine, input.id)),
  routes: viewerProcedure
    .input(z.object({ vrf: z.string(), search: z.string().optional() }))
    .query(({ ctx, input }) => routesOf(ctx.services.engine, input.vrf, input.search)),
});
