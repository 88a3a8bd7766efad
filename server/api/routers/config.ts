import { flowProjects } from "../../auth/scope";
import { z } from "zod";
import { OBJECT_TYPES } from "../../engine/model/types";
import { renderObject } from "../../engine/config/view";
import { router, viewerProcedure, writerProcedure } from "../trpc";

const TypeSchema = z.enum(OBJECT_TYPES);
const Body = z.record(z.string(), z.unknown());

export const configRouter = router({
  list: viewerProcedure
    .input(
      z.object({
        type: TypeSchema,
        projectUuid: z.string().optional(),
        parentUuid: z.string().optional(),
        search: z.string().optional(),
        /** first rows by name only: the console shows them while the whole list loads */
        limit: z.number().int().min(1).max(1000).optional(),
      }),
    )
    .query(({ ctx, input }) => {
      const svc = ctx.services.engine.config;
      let objects = svc.list(input.type, { projectUuid: input.projectUuid, parentUuid: input.parentUuid, search: input.search });
      const matched = objects.length;
      if (input.limit) objects = [...objects].sort((a, b) => a.name.localeCompare(b.name)).slice(0, input.limit);
      const items = objects.map((o) => renderObject(svc, o, { base: "/vnc", children: false, backRefs: false, hrefs: false }));
      return { items, total: svc.count(input.type), matched };
    }),

  get: viewerProcedure.input(z.object({ type: TypeSchema, uuid: z.string() })).query(({ ctx, input }) => {
    const svc = ctx.services.engine.config;
    const obj = svc.get(input.type, input.uuid);
    return {
      object: renderObject(svc, obj, { base: "/vnc" }),
      children: svc.children(obj.uuid),
      backRefs: svc.backRefs(obj.uuid).map(({ attr: _a, ...b }) => b),
      /** why a delete would be refused now (the console disables Delete and says so) */
      deleteBlockers: svc.deleteBlockers(input.type, obj.uuid),
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

  /** What is allowed but probably unintended (e.g. a floating IP on a network without route target). */
  warnings: viewerProcedure.input(z.object({ uuid: z.string() })).query(({ ctx, input }) => {
    const svc = ctx.services.engine.config;
    const o = svc.find(input.uuid);
    return { warnings: o ? svc.warningsFor(o) : [] };
  }),

  history: viewerProcedure
    .input(z.object({ uuid: z.string() }))
    .query(({ ctx, input }) => ctx.services.engine.config.audit({ objectUuid: input.uuid, limit: 200, projects: flowProjects(ctx.services, ctx.actor) })),
});
