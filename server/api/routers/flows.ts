// Monitor › Flows: dashboard, explorer and records over the flow store, and the lab's traffic
// generator. Thin: zod input, one engine call (engine.analytics); bad filters come back as
// bad_request with details { position, length } (FilterError is a WeftError).
import { z } from "zod";
import { FIELD_NAMES, LABEL_KEY_DIM, METRICS, type Field, type LabelKeyDim } from "../../engine/analytics/schema";
import { completeAt } from "../../engine/analytics/filter";
import { flowProjects } from "../../auth/scope";
import { router, viewerProcedure, writerProcedure } from "../trpc";

const FieldSchema = z.enum(FIELD_NAMES as [Field, ...Field[]]);
/** a field, or one label key of a side: src_labels.app */
const DimSchema = z.union([FieldSchema, z.string().regex(LABEL_KEY_DIM, "a field or a label key like src_labels.app") as z.ZodType<LabelKeyDim>]);
const MetricSchema = z.enum(METRICS);

/** Absolute (from/to ms) or relative ("15m", "1h", "24h", "7d" back from now). */
const Range = z.object({
  last: z.string().max(12).regex(/^\d{1,6}[smhd]$/, 'relative ranges look like "15m", "1h", "7d"').optional(),
  from: z.number().int().min(0).optional(),
  to: z.number().int().min(0).optional(),
});

const UNIT: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function range(r: z.infer<typeof Range>): { from: number; to: number } {
  const now = Date.now();
  if (r.from !== undefined) return { from: r.from, to: r.to ?? now };
  const m = /^(\d+)([smhd])$/.exec(r.last ?? "15m")!;
  return { from: now - Number(m[1]) * UNIT[m[2]], to: now + 1 };
}

export const flowsRouter = router({
  fields: viewerProcedure.query(() => FIELD_NAMES),

  series: viewerProcedure
    .input(Range.extend({ filter: z.string().max(4000).default(""), metric: MetricSchema.default("bytes"), groupBy: z.array(DimSchema).max(4).default([]), top: z.number().int().min(1).max(50).default(5), granularityMs: z.number().int().min(1000).optional(), rate: z.boolean().default(true) }))
    .query(({ ctx, input }) => ctx.services.engine.analytics.series({ ...range(input), projects: flowProjects(ctx.services, ctx.actor), filter: input.filter, metric: input.metric, groupBy: input.groupBy, top: input.top, granularityMs: input.granularityMs, rate: input.rate })),

  aggregate: viewerProcedure
    .input(Range.extend({ filter: z.string().max(4000).default(""), metric: MetricSchema.default("bytes"), groupBy: z.array(DimSchema).max(6).default([]), limit: z.number().int().min(1).max(1000).default(10), distinct: z.array(FieldSchema).max(4).default([]) }))
    .query(({ ctx, input }) => ctx.services.engine.analytics.aggregate({ ...range(input), projects: flowProjects(ctx.services, ctx.actor), filter: input.filter, metric: input.metric, groupBy: input.groupBy, limit: input.limit, distinct: input.distinct })),

  records: viewerProcedure
    .input(Range.extend({ filter: z.string().max(4000).default(""), limit: z.number().int().min(1).max(5000).default(500), cursor: z.string().nullish() }))
    .query(({ ctx, input }) => ctx.services.engine.analytics.records({ ...range(input), projects: flowProjects(ctx.services, ctx.actor), filter: input.filter, limit: input.limit, cursor: input.cursor })),

  /** Autocomplete at the caret: fields, operators, closed value sets, and values seen in the store. */
  complete: viewerProcedure.input(z.object({ text: z.string().max(4000), caret: z.number().int().min(0) })).query(async ({ ctx, input }) => {
    const c = completeAt(input.text, Math.min(input.caret, input.text.length));
    if (c.kind === "value" && c.field && c.items.length === 0) {
      const now = Date.now();
      c.items = await ctx.services.engine.analytics.values(c.field, c.prefix, { from: now - 86_400_000, to: now + 1, projects: flowProjects(ctx.services, ctx.actor) });
    }
    return c;
  }),

  /** Label keys seen on either side in the last day (group-by by one key). */
  labelKeys: viewerProcedure.query(({ ctx }) => ctx.services.engine.analytics.labelKeys(Date.now(), flowProjects(ctx.services, ctx.actor))),

  status: viewerProcedure.query(({ ctx }) => ctx.services.engine.analytics.status()),

  traffic: router({
    status: viewerProcedure.query(({ ctx }) => ctx.services.engine.analytics.traffic.status()),
    start: writerProcedure
      .input(z.object({ rate: z.number().min(0.1).max(50_000).default(20), bursts: z.boolean().default(true), durationSeconds: z.number().int().min(1).max(86_400).optional() }))
      .mutation(({ ctx, input }) => ctx.services.engine.analytics.startTraffic({ rate: input.rate, bursts: input.bursts, durationMs: input.durationSeconds ? input.durationSeconds * 1000 : undefined })),
    stop: writerProcedure.mutation(({ ctx }) => ctx.services.engine.analytics.stopTraffic()),
  }),
});
