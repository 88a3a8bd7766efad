"use client";
import { KV } from "../../objects/kv";
import { ObjectDetail } from "../../objects/object-detail";
import { RefLinks } from "../../objects/cells";
import { Card } from "../../ui/card";
import { Mono } from "../../ui/mono";
import { refsOf } from "../ports/port-fields";
import { FloatingIpForm } from "./fip-form";

export function FloatingIpDetail({ uuid }: { uuid: string }) {
  return (
    <ObjectDetail
      type="floating-ip"
      uuid={uuid}
      overview={(o) => {
        const addr = (o.floating_ip_address as string | null | undefined) ?? "";
        return (
          <Card title="Floating IP">
            <KV
              rows={[
                ["Address", <Mono key="a" copy={addr}>{addr || "—"}</Mono>],
                ["Port", <RefLinks key="p" type="virtual-machine-interface" refs={refsOf(o, "virtual_machine_interface_refs")} empty="not associated" />],
                ["Project", <RefLinks key="pr" type="project" refs={refsOf(o, "project_refs")} />],
                ["Fixed IP", <Mono key="f">{String(o.floating_ip_fixed_ip_address ?? "—")}</Mono>],
                ["Direction", String(o.floating_ip_direction ?? "both")],
              ]}
            />
          </Card>
        );
      }}
      renderEdit={({ object, onOpenChange }) => <FloatingIpForm open onOpenChange={onOpenChange} existing={object} />}
      listHref="/overlay/floating-ips"
    />
  );
}
