"use client";
import type { ConfigObject } from "../../../server/engine/model/types";
import { useConfigList, useUpdateObject } from "../../objects/use-config";
import { Button } from "../../ui/button";
import { KV } from "../../objects/kv";
import { ObjectLink, RefLinks } from "../../objects/cells";
import { Badge } from "../../ui/badge";
import { Card } from "../../ui/card";
import { Mono } from "../../ui/mono";
import { iipAddress, portMacs, refsOf } from "./port-fields";

export function PortOverview({ port }: { port: ConfigObject }) {
  const backIips = refsOf(port, "instance_ip_back_refs");
  // the get() result names the instance IPs; their addresses come from the objects themselves
  const iips = useConfigList("instance-ip");
  const mine = iips.items.filter((i) => backIips.some((b) => b.uuid === i.uuid) || refsOf(i, "virtual_machine_interface_refs").some((r) => r.uuid === port.uuid));
  const fipList = useConfigList("floating-ip");
  const fips = fipList.items.filter((f) => refsOf(f, "virtual_machine_interface_refs").some((r) => r.uuid === port.uuid));
  const update = useUpdateObject();
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card title="Port">
        <KV
          rows={[
            ["Network", <RefLinks key="n" type="virtual-network" refs={refsOf(port, "virtual_network_refs")} />],
            ["MAC", <span key="m" className="flex flex-col">{portMacs(port).map((m) => <Mono key={m} copy={m}>{m}</Mono>)}</span>],
            ["Security groups", <RefLinks key="s" type="security-group" refs={refsOf(port, "security_group_refs")} empty="none" />],
            ["Virtual machine", <RefLinks key="v" type="virtual-machine" refs={refsOf(port, "virtual_machine_refs")} />],
            ["Port security", port.port_security_enabled === false ? <Badge key="p">Disabled</Badge> : <Badge key="p" tone="ok">Enabled</Badge>],
          ]}
        />
      </Card>
      <Card title={`Instance IPs (${mine.length})`}>
        {mine.length === 0 ? (
          <p className="text-xs text-muted">No address: create an instance IP for this port.</p>
        ) : (
          <table className="w-full text-[13px]" data-testid="port-addresses">
            <tbody>
              {mine.map((i) => (
                <tr key={i.uuid} className="border-b border-line last:border-0">
                  <td className="py-1"><Mono copy={iipAddress(i)}>{iipAddress(i) || "—"}</Mono></td>
                  <td className="py-1 text-xs"><ObjectLink type="instance-ip" uuid={i.uuid} fq={i.fq_name} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title={`Floating IPs (${fips.length})`}>
        {fips.length === 0 ? (
          <p className="text-xs text-muted">None: “Associate floating IP” above allocates one from a pool for this port.</p>
        ) : (
          <table className="w-full text-[13px]" data-testid="port-fips">
            <tbody>
              {fips.map((f) => (
                <tr key={f.uuid} className="border-b border-line last:border-0" data-testid={`port-fip-${String(f.floating_ip_address)}`}>
                  <td className="py-1"><Mono copy={String(f.floating_ip_address ?? "")}>{String(f.floating_ip_address ?? "—")}</Mono></td>
                  <td className="py-1 text-xs"><ObjectLink type="floating-ip-pool" uuid={f.parent_uuid ?? ""} fq={f.fq_name.slice(0, -1)} /></td>
                  <td className="py-1 text-xs" data-testid="fip-direction">{String(f.floating_ip_direction ?? "both")}</td>
                  <td className="py-1 text-right">
                    <Button
                      size="sm"
                      data-testid="disassociate-fip"
                      disabled={update.isPending}
                      onClick={() => update.mutate({ type: "floating-ip", uuid: f.uuid, body: { virtual_machine_interface_refs: [], resource_version: f.resource_version } })}
                    >
                      Disassociate
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
