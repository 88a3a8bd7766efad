"use client";
// On a floating IP's page: send one packet "from outside" — from the gateway side, into the FIP
// network's routing instance (traffic.test with from_vrf) — to the floating IP, and see what the
// data path did: the route to the compute node, the destination NAT to the port's own address,
// and the answer leaving with the floating IP as its source (source NAT).
import { useMutation } from "@tanstack/react-query";
import { Play } from "lucide-react";
import { useState, type FormEvent } from "react";
import { parseAddress } from "../../../server/engine/model/net";
import type { ConfigObject } from "../../../server/engine/model/types";
import { errorMessage } from "../../../lib/errors";
import { useTRPC } from "../../../lib/trpc";
import { VerdictBadge } from "../../monitor/test-traffic";
import { useMe } from "../../session";
import { Badge } from "../../ui/badge";
import { Button } from "../../ui/button";
import { Card } from "../../ui/card";
import { Field, FormError } from "../../ui/field";
import { Input } from "../../ui/input";
import { Select } from "../../ui/select";

type Protocol = "tcp" | "udp" | "icmp";

export function FipOutsideTest({ fip }: { fip: ConfigObject }) {
  const trpc = useTRPC();
  const me = useMe();
  const test = useMutation(trpc.traffic.test.mutationOptions());
  const [source, setSource] = useState("198.51.100.7");
  const [protocol, setProtocol] = useState<Protocol>("tcp");
  const [dstPort, setDstPort] = useState("80");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const address = String(fip.floating_ip_address ?? "");
  // the FIP network: domain:project:network of the pool holding the address
  const vn = fip.fq_name.slice(0, 3).join(":");
  const associated = ((fip.virtual_machine_interface_refs as unknown[] | undefined) ?? []).length > 0;

  function run(e: FormEvent) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!parseAddress(source.trim())) errs.source = `"${source.trim()}" is not an IP address`;
    let dport: number | undefined;
    if (protocol !== "icmp") {
      dport = Number(dstPort.trim() || "0");
      if (!Number.isInteger(dport) || dport < 0 || dport > 65535) errs.dst_port = "a port number 0–65535";
    }
    setErrors(errs);
    if (Object.keys(errs).length) return;
    test.mutate({ from_vrf: vn, source: source.trim(), destination: address, protocol, ...(dport !== undefined ? { dst_port: dport } : {}) });
  }

  const nat = test.data?.hops.filter((h) => h.step === "nat") ?? [];
  return (
    <Card title="Test traffic from outside">
      <form className="flex flex-col gap-3" onSubmit={run} noValidate data-testid="fip-outside-test">
        <p className="text-xs text-muted">
          A packet from the gateway side enters routing instance of <span className="font-mono">{vn}</span> towards <span className="font-mono">{address}</span>; the
          compute node hosting the port translates it to the port&apos;s address, and the answer back.
          {!associated && " The floating IP is not associated with a port: the packet has nowhere to go."}
        </p>
        <div className="grid grid-cols-[minmax(0,1fr)_110px_90px] gap-3">
          <Field label="Outside source address" htmlFor="outside-source" error={errors.source} name="outside-source">
            <Input id="outside-source" mono data-testid="outside-source" value={source} invalid={!!errors.source} onChange={(e) => setSource(e.target.value)} />
          </Field>
          <Field label="Protocol" htmlFor="outside-protocol">
            <Select
              id="outside-protocol"
              data-testid="outside-protocol"
              value={protocol}
              onChange={(e) => setProtocol(e.target.value as Protocol)}
              options={[
                { value: "tcp", label: "TCP" },
                { value: "udp", label: "UDP" },
                { value: "icmp", label: "ICMP" },
              ]}
            />
          </Field>
          <Field label="Port" htmlFor="outside-dst-port" error={errors.dst_port} name="outside-dst-port">
            <Input id="outside-dst-port" mono data-testid="outside-dst-port" disabled={protocol === "icmp"} value={protocol === "icmp" ? "" : dstPort} onChange={(e) => setDstPort(e.target.value)} />
          </Field>
        </div>
        {me.role === "viewer" ? (
          <p className="text-xs text-muted">Your role is viewer: test traffic needs operator or admin.</p>
        ) : (
          <div>
            <Button type="submit" variant="primary" size="sm" disabled={test.isPending || !address} data-testid="outside-run">
              <Play className="h-3.5 w-3.5" /> {test.isPending ? "Sending…" : "Send from outside"}
            </Button>
          </div>
        )}
        {test.error && <FormError>{errorMessage(test.error)}</FormError>}
        {test.data && (
          <div className="flex flex-col gap-2" data-testid="outside-result" data-verdict={test.data.verdict} data-reply-verdict={test.data.reply_verdict ?? ""}>
            <div className="flex flex-wrap items-center gap-2 text-[13px]">
              <span className="text-xs text-muted">to the pod</span>
              <VerdictBadge verdict={test.data.verdict} />
              <span data-testid="outside-reason">{test.data.reason}</span>
            </div>
            {test.data.reply_verdict ? (
              <div className="flex flex-wrap items-center gap-2 text-[13px]">
                <span className="text-xs text-muted">the answer</span>
                <VerdictBadge verdict={test.data.reply_verdict} />
                <span>{test.data.reply_reason}</span>
              </div>
            ) : null}
            {nat.length > 0 && (
              <ul className="flex flex-col gap-1" data-testid="outside-nat">
                {nat.map((h, i) => (
                  <li key={i} className="flex items-center gap-2 text-xs" data-testid="outside-nat-hop">
                    <Badge tone="accent">NAT</Badge>
                    <span className="text-muted">{h.node}</span>
                    <span className="font-mono">{h.detail}</span>
                  </li>
                ))}
              </ul>
            )}
            <details className="text-xs">
              <summary className="cursor-pointer text-muted">All {test.data.hops.length} hops</summary>
              <ol className="mt-1 flex flex-col gap-0.5" data-testid="outside-hops">
                {test.data.hops.map((h, i) => (
                  <li key={i} className="font-mono">
                    {i + 1}. {h.node || "—"} [{h.step}] {h.detail}
                  </li>
                ))}
              </ol>
            </details>
          </div>
        )}
      </form>
    </Card>
  );
}
