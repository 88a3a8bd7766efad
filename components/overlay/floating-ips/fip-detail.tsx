"use client";
import { KV } from "../../objects/kv";
import { ObjectDetail } from "../../objects/object-detail";
import { RefLinks } from "../../objects/cells";
import { Card } from "../../ui/card";
import { Mono } from "../../ui/mono";
import { refsOf } from "../ports/port-fields";
import { useUpdateObject } from "../../objects/use-config";
import { Button } from "../../ui/button";
import { FipWarnings, FloatingIpForm } from "./fip-form";
import { FipOutsideTest } from "./fip-outside-test";

export function FloatingIpDetail({ uuid }: { uuid: string }) {
  const update = useUpdateObject();
  return (
    <ObjectDetail
      type="floating-ip"
      uuid={uuid}
      overview={(o) => {
        const addr = (o.floating_ip_address as string | null | undefined) ?? "";
        return (
          <>
          <FipWarnings uuid={o.uuid} />
          <Card title="Floating IP">
            <KV
              rows={[
                ["Address", <Mono key="a" copy={addr}>{addr || "—"}</Mono>],
                ["Port", <RefLinks key="p" type="virtual-machine-interface" refs={refsOf(o, "virtual_machine_interface_refs")} empty="not associated" />],
                ["Project", <RefLinks key="pr" type="project" refs={refsOf(o, "project_refs")} />],
                ["Fixed IP", <Mono key="f">{String(o.floating_ip_fixed_ip_address ?? "—")}</Mono>],
                ["Direction", <span key="d" data-testid="fip-direction">{String(o.floating_ip_direction ?? "both")}</span>],
                ["Pool", <RefLinks key="pool" type="floating-ip-pool" refs={o.parent_uuid ? [{ to: o.fq_name.slice(0, -1), uuid: o.parent_uuid }] : []} />],
              ]}
            />
          </Card>
          <FipOutsideTest fip={o} />
          </>
        );
      }}
      actions={(o) =>
        refsOf(o, "virtual_machine_interface_refs").length > 0 && (
          <Button
            size="sm"
            data-testid="disassociate-fip"
            disabled={update.isPending}
            onClick={() => update.mutate({ type: "floating-ip", uuid: o.uuid, body: { virtual_machine_interface_refs: [], resource_version: o.resource_version } })}
          >
            Disassociate
          </Button>
        )
      }
      renderEdit={({ object, onOpenChange }) => <FloatingIpForm open onOpenChange={onOpenChange} existing={object} />}
      listHref="/overlay/floating-ips"
    />
  );
}
