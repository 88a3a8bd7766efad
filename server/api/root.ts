import { router } from "./trpc";
import { meRouter } from "./routers/me";
import { configRouter } from "./routers/config";
import { auditRouter } from "./routers/audit";
import { usersRouter } from "./routers/users";
import { tokensRouter } from "./routers/tokens";

export const appRouter = router({
  me: meRouter,
  config: configRouter,
  audit: auditRouter,
  users: usersRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;
