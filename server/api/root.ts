import { router } from "./trpc";
import { meRouter } from "./routers/me";
import { configRouter } from "./routers/config";
import { auditRouter } from "./routers/audit";
import { usersRouter } from "./routers/users";
import { tokensRouter } from "./routers/tokens";
import { infraRouter } from "./routers/infra";
import { routingRouter } from "./routers/routing";
import { trafficRouter } from "./routers/traffic";
import { flowsRouter } from "./routers/flows";
import { bgpRouter } from "./routers/bgp";
import { topologyRouter } from "./routers/topology";
import { kubeRouter } from "./routers/kube";
import { alarmsRouter } from "./routers/alarms";
import { reachabilityRouter } from "./routers/reachability";

export const appRouter = router({
  me: meRouter,
  config: configRouter,
  audit: auditRouter,
  users: usersRouter,
  tokens: tokensRouter,
  infra: infraRouter,
  routing: routingRouter,
  traffic: trafficRouter,
  flows: flowsRouter,
  bgp: bgpRouter,
  topology: topologyRouter,
  kube: kubeRouter,
  alarms: alarmsRouter,
  reachability: reachabilityRouter,
});

export type AppRouter = typeof appRouter;
