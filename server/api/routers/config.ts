import { z } from "zod";
import { OBJECT_TYPES } from "../../engine/model/types";
import { renderObject } from "../../engine/config/view";
import { router, viewerProcedure, writerProcedure } from "../trpc";

const TypeSchema = z.enum(OBJECT_TYPES);
const Body = z.record(z.string(), z.unknown());

export const configRouter = router({
  list: viewerProcedure
    .input(z.object({ type: TypeSchema, projectUuid: z.string().optional(), parentUuid: z.string().optional(), search: z.string().optional() }))
    .query(({ ctx, input }) => {
      const svc = ctx.services.engine.config;
      const items = svc
        .list(input.type, { projectUuid: input.projectUuid, parentUuid: input.parentUuid, search: input.search })
        .map((o) => renderObject(svc, o, { base: "/vnc", children: false, backRefs: false, hrefs: false }));
      return { items, total: svc.count(input.type) };
    }),

  get: viewerProcedure.input(z.object({ type: TypeSchema, uuid: z.string() })).query(({ ctx, input }) => {
    const svc = ctx.services.engine.config;
    const obj = svc.get(input.type, input.uuid);
    return {
      object: renderObject(svc, obj, { base: "/vnc" }),
      children: svc.children(obj.uuid),
      backRefs: svc.backRefs(obj.uuid).map(({ attr: _a, ...b }) => b),
    };
  }),

  create: writerProcedure
    .input(z.object({ type: TypeSchema, body: Body }))
    .mutation(({ ctx, input }) => ctx.services.engine.config.create(input.type, input.body, ctx.actor)),

  update: writerProcedure
    .input(z.object({ type: TypeSchema, uuid: z.string(), body: Body }))
    .mutation(({ ctx, input }) => ctx.services.engine.config.update(input.type, input.uuid, input.body, ctx.actor)),

  delete: writerProcedure
    .input(z.object({ type: TypeSchema, uuids: z.array(z.string()).min(1).max(10_000) }))
    .mutation(({ ctx, input }) => ctx.services.engine.config.deleteMany(input.type, input.uuids, ctx.actor)),

  history: viewerProcedure
    .input(z.object({ uuid: z.string() }))
    .query(({ ctx, input }) => ctx.services.engine.config.audit({ objectUuid: input.uuid, limit: 200 })),
});
