// The topology graph model's types and stable node ids (shared by the views, the feed, the wire
// form and the console). Ids are stable (uuids and names), so a client can diff two models and keep
// the layout the user arranged.
import { portLabels } from "../model/types";

export { portLabels };

export type TopologyView = "logical" | "infrastructure";
export const TOPOLOGY_VIEWS: TopologyView[] = ["logical", "infrastructure"];

export type TopologyTone = "ok" | "warn" | "danger" | "neutral" | "accent";

export type TopologyNodeKind =
  | "project"
  | "virtual-network"
  | "routing-instance"
  | "port"
  | "floating-ip-pool"
  | "any-network"
  | "aggregate"
  | "control-node"
  | "compute-node"
  | "bgp-router"
  // Kubernetes services / VIPs (the Kubernetes manager's objects): drawn inside their project like
  // a network, with edges to the ports behind them
  | "service";

export type TopologyEdgeKind = "policy" | "rt-import" | "fip-pool" | "floating-ip" | "agent-session" | "bgp-session" | "service-backend";

export interface TopologyNode {
  id: string;
  kind: TopologyNodeKind;
  label: string;
  /** id of the group (compound node) this node is drawn inside */
  parent?: string;
  /** the state in a word (Up, Down, Established, Active, …); the tone only reinforces it */
  state?: string;
  tone?: TopologyTone;
  /** one short line under the label: addresses, AS, counts */
  detail?: string;
  fqName?: string;
  /** console page of the object */
  href?: string;
  /** id of the project node the object belongs to (logical view) */
  project?: string;
  /** aggregate nodes: how many objects they stand for */
  count?: number;
  /** drawn because an edge from the filtered project reaches it; its own project is not shown */
  external?: boolean;
  /** ports: the workload's labels (Kubernetes pod labels, annotations `label:<k>` on the port) */
  labels?: Record<string, string>;
  /** what the detail panel lists */
  fields?: Record<string, string | number>;
}

export interface TopologyEdge {
  id: string;
  kind: TopologyEdgeKind;
  source: string;
  target: string;
  label?: string;
  state?: string;
  tone?: TopologyTone;
  /** policy edges */
  action?: "pass" | "deny";
  direction?: ">" | "<>";
  /** policy edges: false when the policy is not attached to any network (its rules do nothing) */
  attached?: boolean;
  /** routes carried (agent sessions: announced by the agent; BGP: received from the peer) */
  routes?: number;
  /** console page of what the edge stands for (the policy, the floating IP, the peer) */
  href?: string;
  fields?: Record<string, string | number>;
}

export interface TopologyGroup {
  id: string;
  label: string;
  /** nodes of the group in the full model */
  nodes: number;
}

export interface TopologyModel {
  view: TopologyView;
  nodes: TopologyNode[];
  edges: TopologyEdge[];
  /** projects (logical) or node kinds (infrastructure), for the filter */
  groups: TopologyGroup[];
  /** groups whose members were folded into one aggregate node because the graph is large */
  aggregated: string[];
  stats: { nodes: number; edges: number; buildMs: number };
}

export interface TopologyOptions {
  /** logical view: only this project's objects (plus the networks its policies reach) */
  project?: string | null;
  /** ids of networks / compute nodes whose members stay expanded whatever the size */
  expand?: string[];
  /** above this many nodes, networks with the most ports are folded into aggregate nodes */
  maxNodes?: number;
}

export const DEFAULT_MAX_NODES = 6000;

export const nodeIds = {
  project: (uuid: string) => `project:${uuid}`,
  network: (uuid: string) => `vn:${uuid}`,
  instance: (uuid: string) => `ri:${uuid}`,
  port: (uuid: string) => `port:${uuid}`,
  pool: (uuid: string) => `fip-pool:${uuid}`,
  aggregate: (groupId: string) => `agg:${groupId}`,
  control: (name: string) => `control:${name}`,
  compute: (name: string) => `compute:${name}`,
  bgp: (uuid: string) => `bgp:${uuid}`,
  service: (namespace: string, name: string) => `svc:${namespace}/${name}`,
  any: "any",
};

export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export const toneOfAgent = (state: string): TopologyTone => (state === "Up" ? "ok" : "danger");

export function toneOfBgp(state: string): TopologyTone {
  if (state === "Established" || state === "Listening") return "ok";
  if (state === "Not peered" || state === "Disabled") return "neutral";
  if (state === "Idle" || state === "Down") return "danger";
  return "warn"; // Connect, Active, OpenSent, OpenConfirm
}
