"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ConfigObject, Ref } from "../../../server/engine/model/types";
import { useTRPC } from "../../../lib/trpc";
import { Flag, ObjectLink } from "../../objects/cells";
import { useProject } from "../../project-context";
import { Badge } from "../../ui/badge";
import { KV } from "../../objects/kv";
import { Card } from "../../ui/card";
import { Mono } from "../../ui/mono";
import { policyRefsInOrder } from "./vn-form-model";
import { cidrOf, FORWARDING_LABELS, vnForwardingMode, vnRouteTargets, vnSubnets } from "./vn-fields";

function RtList({ rts }: { rts: string[] }) {
  if (rts.length === 0) return <span className="text-faint">—</span>;
  return (
    <span className="flex flex-col">
      {rts.map((rt) => (
        <Mono key={rt} copy={rt}>
          {rt}
        </Mono>
      ))}
    </span>
  );
}

export function VirtualNetworkOverview({ vn }: { vn: ConfigObject }) {
  const subnets = vnSubnets(vn);
  const props = (vn.virtual_network_properties ?? {}) as { vxlan_network_identifier?: number | null };
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card title={`Subnets (${subnets.length})`} className="lg:col-span-2">
        {subnets.length === 0 ? (
          <p className="text-xs text-muted">No subnets: ports on this network get no address. Edit the network to add one.</p>
        ) : (
          <table className="w-full text-[13px]" data-testid="subnets-table">
            <thead>
              <tr className="text-left text-xs text-muted">
                <th className="pb-1 font-medium">CIDR</th>
                <th className="pb-1 font-medium">Gateway</th>
                <th className="pb-1 font-medium">DNS server</th>
                <th className="pb-1 font-medium">Allocation pools</th>
                <th className="pb-1 font-medium">Allocation</th>
                <th className="pb-1 font-medium">IPAM</th>
              </tr>
            </thead>
            <tbody>
              {subnets.map((s) => (
                <tr key={cidrOf(s)} className="border-t border-line">
                  <td className="py-1"><Mono copy={cidrOf(s)}>{cidrOf(s)}</Mono></td>
                  <td className="py-1"><Mono copy={s.default_gateway ?? ""}>{s.default_gateway ?? "—"}</Mono></td>
                  <td className="py-1"><Mono copy={s.dns_server_address ?? ""}>{s.dns_server_address ?? "—"}</Mono></td>
                  <td className="py-1 font-mono text-xs">{(s.allocation_pools ?? []).map((p) => `${p.start}–${p.end}`).join(", ") || "whole subnet"}</td>
                  <td className="py-1 text-xs">{s.addr_from_start ? "from start" : "from end"}</td>
                  <td className="py-1 font-mono text-xs">{s.ipam.join(":")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Routing">
        <KV
          rows={[
            ["Route targets", <RtList key="rt" rts={vnRouteTargets(vn)} />],
            ["Import route targets", <RtList key="irt" rts={vnRouteTargets(vn, "import_route_target_list")} />],
            ["Export route targets", <RtList key="ert" rts={vnRouteTargets(vn, "export_route_target_list")} />],
            ["Network ID", <span key="id" className="tabular-nums">{String(vn.virtual_network_network_id ?? "—")}</span>],
            ["VXLAN ID", <span key="vx" className="tabular-nums">{String(props.vxlan_network_identifier ?? "—")}</span>],
          ]}
        />
      </Card>
      <Card title="Routing instance and policies" className="lg:col-span-2">
        <InstanceAndPolicies vn={vn} />
      </Card>
      <Card title="Properties">
        <KV
          rows={[
            ["Forwarding mode", FORWARDING_LABELS[vnForwardingMode(vn)] ?? vnForwardingMode(vn)],
            ["Shared", <Flag key="s" on={!!vn.is_shared} yes="Shared" no="Not shared" />],
            ["External", <Flag key="e" on={!!vn.router_external} yes="External" no="Internal" />],
          ]}
        />
      </Card>
    </div>
  );
}

/** The VN's compiled routing instance (link, RT, imports) and the policies attached to it, in order. */
function InstanceAndPolicies({ vn }: { vn: ConfigObject }) {
  const trpc = useTRPC();
  const { withProject } = useProject();
  const instances = useQuery(trpc.routing.instances.queryOptions());
  const ri = instances.data?.find((r) => r.networkUuid === vn.uuid);
  const policies = policyRefsInOrder(vn.network_policy_refs as Ref[] | undefined);
  return (
    <KV
      rows={[
        [
          "Routing instance",
          ri ? (
            <Link key="ri" href={withProject(`/overlay/routing-instances/${ri.uuid}`)} className="font-mono text-xs text-accent hover:underline" data-testid="vn-routing-instance">
              {ri.name}
            </Link>
          ) : instances.isLoading ? (
            "…"
          ) : (
            <span key="ri" className="text-faint">not compiled yet</span>
          ),
        ],
        ["Automatic route target", ri ? <Mono key="rt" copy={ri.routeTarget}>{ri.routeTarget}</Mono> : "—"],
        [
          "Imports",
          ri ? (
            <span key="imp" className="flex flex-col">
              {ri.imports.length === 0 && <span className="text-faint">only its own target</span>}
              {ri.imports.map((i) => (
                <span key={`${i.rt}:${i.why}`} className="flex gap-2 text-xs">
                  <Mono copy={i.rt}>{i.rt}</Mono>
                  <span className="truncate text-muted" title={i.why}>{i.why}</span>
                </span>
              ))}
            </span>
          ) : (
            "—"
          ),
        ],
        ["Routes", ri ? <span key="r" className="tabular-nums">{ri.routes}</span> : "—"],
        [
          "Network policies",
          policies.length === 0 ? (
            <span key="np" className="text-faint">none attached (traffic to other networks has no route)</span>
          ) : (
            <span key="np" className="flex flex-wrap gap-2" data-testid="vn-policies">
              {policies.map((p, i) => (
                <span key={p.uuid} className="inline-flex items-center gap-1">
                  <Badge>{i}</Badge>
                  <ObjectLink type="network-policy" uuid={p.uuid} fq={p.to} />
                </span>
              ))}
            </span>
          ),
        ],
      ]}
    />
  );
}
