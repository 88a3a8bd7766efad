// The registry of per-type rules: one line per type that has any (see ../strategy.ts).
import type { ObjectType } from "../../model/types";
import type { TypeStrategy } from "../strategy";
import { floatingIp, floatingIpPool } from "./floating-ip";
import { instanceIp } from "./instance-ip";
import { networkPolicy, securityGroup } from "./policy";
import { virtualMachineInterface } from "./port";
import { project } from "./project";
import { routeTarget } from "./route-target";
import { bgpRouter, virtualRouter } from "./routers";
import { virtualNetwork } from "./virtual-network";

export const STRATEGIES: Partial<Record<ObjectType, TypeStrategy>> = {
  project,
  "virtual-network": virtualNetwork,
  "virtual-machine-interface": virtualMachineInterface,
  "instance-ip": instanceIp,
  "floating-ip-pool": floatingIpPool,
  "floating-ip": floatingIp,
  "security-group": securityGroup,
  "network-policy": networkPolicy,
  "bgp-router": bgpRouter,
  "virtual-router": virtualRouter,
  "route-target": routeTarget,
};

const NONE: TypeStrategy = {};
export const strategyOf = (type: ObjectType): TypeStrategy => STRATEGIES[type] ?? NONE;
