export { ControlNode, type ControlNodeOptions, type TraceInput, toPort, toRoute, toVrf } from "./control-node";
export { AgentSession, type AgentState } from "./agent-session";
export { Rib, type BestRoute, type Path, type RouteChange, selectBest } from "./rib";
