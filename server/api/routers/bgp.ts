import { z } from "zod";
import { bgpPeerRoutes, bgpRouterWarnings, bgpRouters } from "../../engine/control/views";
import { router, viewerProcedure } from "../trpc";

export const bgpRouter = router({
  routers: viewerProcedure.query(({ ctx }) => bgpRouters(ctx.services.engine)),
  routes: viewerProcedure
    .input(z.object({ address: z.string(), search: z.string().optional() }))
    .query(({ ctx, input }) => bgpPeerRoutes(ctx.services.engine, input.address, input.search)),
  check: viewerProcedure
    .input(z.object({ asn: z.number().optional(), families: z.array(z.string()).optional(), address: z.string().optional(), authKey: z.string().optional() }))
    .query(({ ctx, input }) => bgpRouterWarnings(ctx.services.engine, input)),
});
