import { z } from "zod";
import { KINDS } from "../../engine/kube/resources";
import { parsePoolRef } from "../../engine/kube/manager";
import { WeftError } from "../../engine/model/errors";
import { adminProcedure, router, viewerProcedure, writerProcedure } from "../trpc";

const kind = z.enum(KINDS, { error: `kind must be one of ${KINDS.join(", ")}` });

export const kubeRouter = router({
  /** Kubernetes objects with their reconcile status and the Weft objects each produced. */
  list: viewerProcedure
    .input(z.object({ kind: kind.optional(), namespace: z.string().optional() }).default({}))
    .query(({ ctx, input }) => ctx.services.engine.kube.list(input)),
  get: viewerProcedure
    .input(z.object({ kind, namespace: z.string().optional(), name: z.string() }))
    .query(({ ctx, input }) => ctx.services.engine.kube.get(input.kind, input.namespace || undefined, input.name)),
  /** The Kubernetes object that produced a config object (links from object pages). */
  ownerOf: viewerProcedure.input(z.object({ uuid: z.string() })).query(({ ctx, input }) => ctx.services.engine.kube.ownerOf(input.uuid)),
  summary: viewerProcedure.query(({ ctx }) => {
    const k = ctx.services.engine.kube;
    return { cluster: k.cluster, counts: k.counts(), queueDepth: k.queueDepth, publicFipPool: k.publicFipPool, watch: ctx.services.engine.kubeWatch?.status ?? null };
  }),
  /**
   * kubectl apply -f: per document, what was created or what is wrong (line, field).
   * (Not named `apply`: tRPC reserves that word for router keys.)
   */
  applyManifest: writerProcedure
    .input(z.object({ manifest: z.string().min(1, "paste one or more YAML documents"), dryRun: z.boolean().default(false), namespace: z.string().optional() }))
    .mutation(({ ctx, input }) => ctx.services.engine.kube.apply(input.manifest, ctx.actor, { dryRun: input.dryRun, namespace: input.namespace })),
  /** kubectl delete -f */
  deleteManifest: writerProcedure
    .input(z.object({ manifest: z.string().min(1, "paste the YAML of what to delete"), namespace: z.string().optional() }))
    .mutation(({ ctx, input }) => ctx.services.engine.kube.deleteManifest(input.manifest, ctx.actor, { namespace: input.namespace })),
  delete: writerProcedure
    .input(z.object({ kind, namespace: z.string().optional(), name: z.string() }))
    .mutation(async ({ ctx, input }) => {
      // authorised (namespace grants), written to the database and torn down as the caller
      if (!(await ctx.services.engine.kube.deleteObject(input.kind, input.namespace || undefined, input.name, ctx.actor))) throw new WeftError("not_found", `${input.kind} ${input.namespace ? `${input.namespace}/` : ""}${input.name} not found`);
      return { deleted: true };
    }),
  /** The global floating IP pool (Contrail's KUBERNETES_PUBLIC_FIP_POOL). */
  setPublicFipPool: adminProcedure
    .input(z.object({ pool: z.string().nullable() }))
    .mutation(({ ctx, input }) => {
      let ref = null;
      try {
        ref = input.pool ? parsePoolRef(input.pool) : null;
      } catch (e) {
        throw new WeftError("bad_request", (e as Error).message, [{ field: "pool", message: (e as Error).message }]);
      }
      ctx.services.engine.kube.setPublicFipPool(ref);
      return ref;
    }),
});
