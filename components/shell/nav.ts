// The left rail: areas and their pages, as in Contrail Command. Only pages that work are listed.
import {
  Activity,
  Boxes,
  ChartArea,
  FileUp,
  Gauge,
  Container,
  Split,
  LockKeyhole,
  Layers,
  Cpu,
  FileClock,
  Route,
  Server,
  Search,
  Settings2,
  FolderKanban,
  Globe,
  KeyRound,
  Network,
  PlugZap,
  RadioTower,
  Shield,
  Share2,
  ShieldCheck,
  Users,
  Waypoints,
  type LucideIcon,
} from "lucide-react";

export interface NavItem {
  href: string;
  label: string;
  icon: LucideIcon;
  adminOnly?: boolean;
  /** data-testid suffix when the last path segment is not unique (two "network-policies") */
  id?: string;
}

export interface NavArea {
  id: string;
  label: string;
  items: NavItem[];
}

export const NAV: NavArea[] = [
  {
    id: "overlay",
    label: "Overlay",
    items: [
      { href: "/overlay/virtual-networks", label: "Virtual Networks", icon: Network },
      { href: "/overlay/ports", label: "Ports", icon: PlugZap },
      { href: "/overlay/ipam", label: "IPAM", icon: Waypoints },
      { href: "/overlay/network-policies", label: "Policies", icon: ShieldCheck },
      { href: "/overlay/security-groups", label: "Security Groups", icon: Shield },
      { href: "/overlay/floating-ips", label: "Floating IPs", icon: Globe },
      { href: "/overlay/routing-instances", label: "Routing Instances", icon: Route },
    ],
  },
  {
    id: "infrastructure",
    label: "Infrastructure",
    items: [
      { href: "/infrastructure/control-nodes", label: "Control Nodes", icon: Server },
      { href: "/infrastructure/compute-nodes", label: "Compute Nodes", icon: Cpu },
      { href: "/infrastructure/bgp-routers", label: "BGP Routers", icon: RadioTower },
      { href: "/infrastructure/global-config", label: "Global Config", icon: Settings2 },
      { href: "/infrastructure/projects", label: "Projects", icon: FolderKanban },
    ],
  },
  {
    id: "kubernetes",
    label: "Kubernetes",
    items: [
      { href: "/kubernetes/namespaces", label: "Namespaces", icon: Layers },
      { href: "/kubernetes/pods", label: "Pods", icon: Container },
      { href: "/kubernetes/services", label: "Services", icon: Boxes },
      { href: "/kubernetes/ingresses", label: "Ingresses", icon: Split },
      { href: "/kubernetes/network-policies", label: "Network Policies", icon: LockKeyhole, id: "kube-network-policies" },
      { href: "/kubernetes/apply", label: "Apply manifests", icon: FileUp },
    ],
  },
  {
    id: "monitor",
    label: "Monitor",
    items: [
      { href: "/monitor/overview", label: "Overview", icon: Gauge },
      { href: "/monitor/topology", label: "Topology", icon: Share2 },
      { href: "/monitor/flows", label: "Flows", icon: ChartArea },
      { href: "/monitor/test-traffic", label: "Test traffic", icon: Activity },
      { href: "/monitor/reachability", label: "Reachability", icon: Search },
    ],
  },
  {
    id: "admin",
    label: "Admin",
    items: [
      { href: "/admin/users", label: "Users", icon: Users, adminOnly: true },
      { href: "/admin/tokens", label: "API tokens", icon: KeyRound },
      { href: "/admin/audit", label: "Audit log", icon: FileClock },
    ],
  },
];

/** Labels of path segments for breadcrumbs. */
export const SEGMENT_LABELS: Record<string, string> = {
  overlay: "Overlay",
  infrastructure: "Infrastructure",
  admin: "Admin",
  monitor: "Monitor",
  kubernetes: "Kubernetes",
  workloads: "Workloads",
  "network-attachments": "Network attachments",
  objects: "Objects",
  pools: "Pools",
  // the first area naming a segment wins (Overlay's "Policies" over Kubernetes' "Network Policies")
  ...Object.fromEntries(NAV.flatMap((a) => a.items.map((i) => [i.href.split("/").pop() as string, i.label])).reverse()),
};
