// Monitor › Topology: the graph model of the logical or infrastructure view (compact wire form,
// what the canvas draws), the details of one node or edge for the side panel, and the flow overlay
// (traffic between the model's nodes over a time range). Thin: zod input, one engine call.
import { z } from "zod";
import { TOPOLOGY_VIEWS, type TopologyView, flowOverlay, shapeTopology } from "../../engine/topology/model";
import { topologyFeed } from "../../engine/topology/feed";
import { loadLayout, saveLayout } from "../../engine/topology/layouts";
import { encodeModel } from "../../engine/topology/wire";
import { flowProjects } from "../../auth/scope";
import { router, viewerProcedure } from "../trpc";

const View = z.enum(TOPOLOGY_VIEWS as [TopologyView, ...TopologyView[]]);
const UNIT: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** the last few encoded answers (the wire form is never mutated: the console decodes a copy) */
const LayoutKey = z.string().min(1).max(300);
const userOf = (a: { userId: string | null; email: string }) => a.userId ?? `email:${a.email}`;

const encoded: { model: object; key: string; out: ReturnType<typeof encodeModel> }[] = [];

export const topologyRouter = router({
  graph: viewerProcedure
    .input(z.object({ view: View, project: z.string().max(200).nullish(), expand: z.array(z.string().max(200)).max(1000).default([]), maxNodes: z.number().int().min(10).max(100_000).optional() }))
    .query(({ ctx, input }) => {
      const { model, version } = topologyFeed(ctx.services.engine).current(input.view);
      // the same model and input (page loads, the preload and the query that uses it): the same answer
      const key = JSON.stringify([input.view, version, input.project ?? null, input.expand, input.maxNodes ?? null]);
      const hit = encoded.find((x) => x.model === model && x.key === key);
      if (hit) return hit.out;
      const shaped = shapeTopology(model, { project: input.project, expand: input.expand, maxNodes: input.maxNodes });
      const whole = shaped.nodes.length === model.nodes.length && shaped.edges.length === model.edges.length && !shaped.aggregated.length && !(input.view === "logical" && input.project);
      const out = encodeModel(shaped, version, whole);
      encoded.unshift({ model, key, out });
      encoded.length = Math.min(encoded.length, 4);
      return out;
    }),

  /** fields and page link of one node or edge, as the current model has them (null when gone) */
  detail: viewerProcedure
    .input(z.object({ view: View, id: z.string().max(500) }))
    .query(({ ctx, input }) => {
      const { model, version } = topologyFeed(ctx.services.engine).current(input.view);
      const n = model.nodes.find((x) => x.id === input.id);
      if (n) return { version, kind: n.kind, href: n.href ?? null, fields: n.fields ?? {} };
      const e = model.edges.find((x) => x.id === input.id);
      if (e) return { version, kind: e.kind, href: e.href ?? null, fields: e.fields ?? {} };
      return { version, kind: null, href: null, fields: {} };
    }),

  flows: viewerProcedure
    .input(z.object({ view: View, last: z.string().regex(/^\d{1,6}[smhd]$/, 'relative ranges look like "15m", "1h", "7d"').default("15m"), level: z.enum(["group", "workload"]).default("group") }))
    .query(({ ctx, input }) => {
      const m = /^(\d+)([smhd])$/.exec(input.last)!;
      const now = Date.now();
      return flowOverlay(ctx.services.engine, input.view, { from: now - Number(m[1]) * UNIT[m[2]], to: now + 1, projects: flowProjects(ctx.services, ctx.actor) }, input.level);
    }),

  /** the positions the signed-in user arranged for one view (null: none remembered on the server) */
  layout: viewerProcedure.input(z.object({ key: LayoutKey })).query(({ ctx, input }) => loadLayout(ctx.services.engine.dataDir, userOf(ctx.actor), input.key)),

  /** remembers (positions) or forgets (null) the user's own arrangement of one view: any role may */
  saveLayout: viewerProcedure
    .input(z.object({ key: LayoutKey, at: z.number().int().nonnegative(), positions: z.record(z.string().max(500), z.tuple([z.number().finite(), z.number().finite()])).nullable() }))
    .mutation(({ ctx, input }) => {
      saveLayout(ctx.services.engine.dataDir, userOf(ctx.actor), input.key, input.positions ? { at: input.at, positions: input.positions } : null);
      return { ok: true };
    }),
});
