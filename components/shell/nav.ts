// The left rail: areas and their pages, as in Contrail Command. Only pages that work are listed.
import {
  Activity,
  ChartArea,
  Cpu,
  FileClock,
  Route,
  Server,
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
    id: "monitor",
    label: "Monitor",
    items: [
      { href: "/monitor/topology", label: "Topology", icon: Share2 },
      { href: "/monitor/flows", label: "Flows", icon: ChartArea },
      { href: "/monitor/test-traffic", label: "Test traffic", icon: Activity },
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
  objects: "Objects",
  pools: "Pools",
  ...Object.fromEntries(NAV.flatMap((a) => a.items.map((i) => [i.href.split("/").pop() as string, i.label]))),
};
