"use client";
import { KV } from "../../objects/kv";
import { ObjectDetail } from "../../objects/object-detail";
import { Card } from "../../ui/card";
import { IpamForm } from "./ipam-form";
import { DNS_METHODS, ipamDnsMethod, ipamSubnetMethod, SUBNET_METHODS } from "./ipam-fields";

const label = (opts: { value: string; label: string }[], v: string) => opts.find((o) => o.value === v)?.label ?? v;

export function IpamDetail({ uuid }: { uuid: string }) {
  return (
    <ObjectDetail
      type="network-ipam"
      uuid={uuid}
      overview={(o) => (
        <Card title="IPAM">
          <KV
            rows={[
              ["Subnet method", label(SUBNET_METHODS, ipamSubnetMethod(o))],
              ["DNS method", label(DNS_METHODS, ipamDnsMethod(o))],
            ]}
          />
        </Card>
      )}
      renderEdit={({ object, onOpenChange }) => <IpamForm open onOpenChange={onOpenChange} existing={object} />}
    />
  );
}
