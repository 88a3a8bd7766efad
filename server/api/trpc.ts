// tRPC context and procedures per role. Engine errors (WeftError) become tRPC errors with the
// same message, and their field issues travel in `error.data.issues` for the console's forms.
import { TRPCError, initTRPC } from "@trpc/server";
import { isWeftError } from "../engine/model/errors";
import type { Actor } from "../engine/config/api";
import type { Services } from "../services";
import { getServices } from "../registry";
import { checkWriteOrigin } from "../http/guard";

export interface Context {
  services: Services;
  actor: Actor | null;
  /** a refused sign-in (Basic past its failure limit), reported by procedures that need a caller */
  authError?: unknown;
  /** a cross-site write: the reason mutations are refused */
  originError?: unknown;
}

export async function createContext({ req }: { req: Request }): Promise<Context> {
  const services = getServices();
  let originError: unknown;
  try {
    // tRPC mutations are POSTs: a cookie-authenticated one must come from the console's origin
    checkWriteOrigin({ method: req.method, header: (n) => req.headers.get(n) ?? undefined }, services.baseURL);
  } catch (e) {
    originError = e;
  }
  try {
    const actor = await services.accounts.actorFromHeaders(req.headers, "console");
    return { services, actor, originError };
  } catch (e) {
    return { services, actor: null, authError: e, originError };
  }
}

const CODES = {
  bad_request: "BAD_REQUEST",
  unauthorized: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  not_found: "NOT_FOUND",
  method_not_allowed: "METHOD_NOT_SUPPORTED",
  conflict: "CONFLICT",
  too_many_requests: "TOO_MANY_REQUESTS",
  timeout: "TIMEOUT",
  internal: "INTERNAL_SERVER_ERROR",
} as const;

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const issues = isWeftError(cause) ? cause.issues : undefined;
    // zod's issues carry a path; an engine error's issues are already {field, message}
    const zodIssues =
      !issues && error.code === "BAD_REQUEST" && cause && "issues" in cause && Array.isArray((cause as { issues: unknown }).issues)
        ? (cause as { issues: { path?: PropertyKey[]; message: string }[] }).issues.map((i) => ({ field: (i.path ?? []).map(String).join("."), message: i.message }))
        : undefined;
    return { ...shape, data: { ...shape.data, issues: issues ?? zodIssues ?? [], details: isWeftError(cause) ? cause.details : undefined } };
  },
});

export const router = t.router;

/** Engine errors → tRPC errors, keeping the engine's words. */
const engineErrors = t.middleware(async ({ next }) => {
  const r = await next();
  if (!r.ok && isWeftError(r.error.cause)) {
    const e = r.error.cause;
    throw new TRPCError({ code: CODES[e.code], message: e.message, cause: e });
  }
  return r;
});

/** Mutations refuse cross-site requests (Origin / CSRF) before anything else runs. */
const sameOriginWrites = t.middleware(({ ctx, type, next }) => {
  if (type === "mutation" && ctx.originError) {
    const e = ctx.originError;
    throw new TRPCError({ code: "FORBIDDEN", message: (e as Error).message, cause: e as Error });
  }
  return next();
});

export const publicProcedure = t.procedure.use(engineErrors).use(sameOriginWrites);

export const viewerProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.actor && isWeftError(ctx.authError)) throw ctx.authError;
  if (!ctx.actor) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in first" });
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});

/** May write (operators only inside their projects: the config service checks the project). */
export const writerProcedure = viewerProcedure.use(({ ctx, next }) => {
  if (ctx.actor.role === "viewer") throw new TRPCError({ code: "FORBIDDEN", message: `${ctx.actor.email} has the viewer role: read-only access` });
  return next();
});

export const adminProcedure = viewerProcedure.use(({ ctx, next }) => {
  if (ctx.actor.role !== "admin") throw new TRPCError({ code: "FORBIDDEN", message: `only an admin may do this (${ctx.actor.email} is ${ctx.actor.role})` });
  return next();
});
