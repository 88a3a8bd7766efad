"use client";
// Test traffic: send one packet from a port (on the compute node hosting it) to an address and
// see what the data path did with it, hop by hop. The choice lives in the URL so a result can be
// re-run from a shared link.
import { useMutation, useQuery } from "@tanstack/react-query";
import { ArrowDown, CircleCheck, CircleSlash, CircleHelp, Play } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState, type FormEvent } from "react";
import { parseAddress } from "../../server/engine/model/net";
import { errorMessage } from "../../lib/errors";
import { objectHref } from "../../lib/object-routes";
import { useTRPC, type RouterOutputs } from "../../lib/trpc";
import { computeNodeHref } from "../infrastructure/compute-node-list";
import { PageHeader } from "../objects/page-header";
import { useConfigList } from "../objects/use-config";
import { iipAddress, instanceIpsByPort, portHost } from "../overlay/ports/port-fields";
import { useProject } from "../project-context";
import { useMe } from "../session";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { Field, FormError } from "../ui/field";
import { Input } from "../ui/input";
import { Mono } from "../ui/mono";
import { Select } from "../ui/select";

type TraceResult = RouterOutputs["traffic"]["test"];
type Protocol = "tcp" | "udp" | "icmp";

interface PortChoice {
  uuid: string;
  name: string;
  fq: string;
  addresses: string[];
  host: string;
}

export function TestTrafficPage() {
  const me = useMe();
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const { projectUuid, withProject } = useProject();
  const canRun = me.role !== "viewer";

  const ports = useConfigList("virtual-machine-interface", { projectUuid });
  const allPorts = useConfigList("virtual-machine-interface");
  const iips = useConfigList("instance-ip");
  const byPort = useMemo(() => instanceIpsByPort(iips.items), [iips.items]);

  const choices = useMemo<PortChoice[]>(
    () =>
      ports.items
        .map((p) => ({ uuid: p.uuid, name: p.name, fq: p.fq_name.join(":"), addresses: (byPort.get(p.uuid) ?? []).map(iipAddress).filter(Boolean), host: portHost(p) }))
        .filter((p) => p.host)
        .sort((a, b) => a.name.localeCompare(b.name)),
    [ports.items, byPort],
  );
  // every known port address, as a convenience for the destination
  const known = useMemo(
    () =>
      allPorts.items
        .flatMap((p) => (byPort.get(p.uuid) ?? []).map((iip) => ({ address: iipAddress(iip), port: p.name, host: portHost(p) })))
        .filter((k) => k.address)
        .sort((a, b) => a.address.localeCompare(b.address, undefined, { numeric: true })),
    [allPorts.items, byPort],
  );

  const [port, setPort] = useState(params.get("port") ?? "");
  const [destination, setDestination] = useState(params.get("dst") ?? "");
  const [protocol, setProtocol] = useState<Protocol>((["tcp", "udp", "icmp"].includes(params.get("proto") ?? "") ? params.get("proto") : "icmp") as Protocol);
  const [dstPort, setDstPort] = useState(params.get("dport") ?? "");
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const test = useMutation(trpc.traffic.test.mutationOptions());

  const selectedPort = choices.find((c) => c.uuid === port) ?? (port ? undefined : choices[0]);
  const effectivePort = port || choices[0]?.uuid || "";

  function run(e: FormEvent) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!effectivePort) errs.port = "pick the port to send from (only ports bound to a compute node can send)";
    const dst = destination.trim();
    if (!dst) errs.destination = "give the destination address";
    else if (!parseAddress(dst)) errs.destination = `"${dst}" is not an IP address`;
    let dport: number | undefined;
    if (protocol !== "icmp" && dstPort.trim()) {
      dport = Number(dstPort.trim());
      if (!Number.isInteger(dport) || dport < 0 || dport > 65535) errs.dst_port = "a port number 0–65535";
    }
    setFieldErrors(errs);
    if (Object.keys(errs).length) return;
    const next = new URLSearchParams(params.toString());
    next.set("port", effectivePort);
    next.set("dst", dst);
    next.set("proto", protocol);
    if (dport !== undefined) next.set("dport", String(dport));
    else next.delete("dport");
    router.replace(`${pathname}?${next.toString()}`, { scroll: false });
    test.mutate({ port: effectivePort, destination: dst, protocol, ...(dport !== undefined ? { dst_port: dport } : {}) });
  }

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title="Test traffic"
        description="Send one packet from a port through the real data path: the agent hosting the port looks up the flow, policy and route, and reports each hop."
      />
      <div className="min-h-0 flex-1 overflow-auto p-4">
        <div className="grid max-w-6xl gap-4 lg:grid-cols-[minmax(0,420px)_minmax(0,1fr)]">
          <Card title="Packet">
            <form className="flex flex-col gap-3" onSubmit={run} noValidate>
              <Field
                label="From port"
                htmlFor="traffic-port"
                error={fieldErrors.port}
                name="traffic-port"
                hint={
                  choices.length === 0 && !ports.isLoading ? (
                    <>
                      No port of this project is bound to a compute node. <Link className="text-accent hover:underline" href={withProject("/overlay/ports")}>Launch a workload</Link> first.
                    </>
                  ) : (
                    "Ports bound to a compute node, in the selected project."
                  )
                }
              >
                <Select
                  id="traffic-port"
                  data-testid="traffic-port"
                  value={effectivePort}
                  onChange={(e) => setPort(e.target.value)}
                  options={choices.map((c) => ({ value: c.uuid, label: `${c.name} — ${c.addresses.join(", ") || "no address"} — ${c.host}` }))}
                />
              </Field>
              <Field label="Destination address" htmlFor="traffic-destination" error={fieldErrors.destination} name="traffic-destination">
                <div className="flex gap-1">
                  <Input id="traffic-destination" mono data-testid="traffic-destination" value={destination} invalid={!!fieldErrors.destination} placeholder="10.2.0.252" onChange={(e) => setDestination(e.target.value)} />
                  <Select
                    aria-label="Known port addresses"
                    data-testid="traffic-known-destination"
                    className="w-44 shrink-0"
                    value=""
                    placeholder="Known addresses…"
                    onChange={(e) => e.target.value && setDestination(e.target.value)}
                    options={known.map((k) => ({ value: k.address, label: `${k.address} (${k.port}${k.host ? ` @ ${k.host}` : ""})` }))}
                  />
                </div>
              </Field>
              <div className="grid grid-cols-2 gap-3">
                <Field label="Protocol" htmlFor="traffic-protocol" name="traffic-protocol">
                  <Select
                    id="traffic-protocol"
                    data-testid="traffic-protocol"
                    value={protocol}
                    onChange={(e) => setProtocol(e.target.value as Protocol)}
                    options={[
                      { value: "icmp", label: "ICMP (echo)" },
                      { value: "tcp", label: "TCP" },
                      { value: "udp", label: "UDP" },
                    ]}
                  />
                </Field>
                <Field label="Destination port" htmlFor="traffic-dst-port" error={fieldErrors.dst_port} name="traffic-dst-port">
                  <Input
                    id="traffic-dst-port"
                    mono
                    inputMode="numeric"
                    data-testid="traffic-dst-port"
                    disabled={protocol === "icmp"}
                    placeholder={protocol === "icmp" ? "—" : "80"}
                    value={protocol === "icmp" ? "" : dstPort}
                    onChange={(e) => setDstPort(e.target.value)}
                  />
                </Field>
              </div>
              {canRun ? (
                <div>
                  <Button type="submit" variant="primary" disabled={test.isPending} data-testid="traffic-run">
                    <Play className="h-3.5 w-3.5" />
                    {test.isPending ? "Sending…" : "Run"}
                  </Button>
                </div>
              ) : (
                <p className="text-xs text-muted">Your role is viewer: test traffic needs operator or admin.</p>
              )}
              {selectedPort && (
                <p className="text-xs text-faint">
                  Sent by the agent on{" "}
                  <Link className="text-accent hover:underline" href={withProject(computeNodeHref(selectedPort.host))}>
                    {selectedPort.host}
                  </Link>{" "}
                  from <Mono>{selectedPort.addresses[0] ?? "?"}</Mono>.
                </p>
              )}
            </form>
          </Card>
          <div className="flex min-w-0 flex-col gap-4">
            {test.error && <FormError>{errorMessage(test.error)}</FormError>}
            {test.data && <TraceView result={test.data} ports={choices} />}
            {!test.data && !test.error && (
              <Card title="Result">
                <p className="text-xs text-muted">Pick a port and a destination, then Run. The verdict and the path appear here.</p>
              </Card>
            )}
          </div>
        </div>
      </div>
    </div>
  );
}

export function VerdictBadge({ verdict }: { verdict: string }) {
  if (verdict === "delivered")
    return (
      <Badge tone="ok">
        <CircleCheck className="mr-1 h-3 w-3" />
        Delivered
      </Badge>
    );
  if (verdict === "dropped")
    return (
      <Badge tone="danger">
        <CircleSlash className="mr-1 h-3 w-3" />
        Dropped
      </Badge>
    );
  return (
    <Badge tone="warn">
      <CircleHelp className="mr-1 h-3 w-3" />
      {verdict === "lost" ? "Lost" : verdict}
    </Badge>
  );
}

function TraceView({ result, ports }: { result: TraceResult; ports: PortChoice[] }) {
  const { withProject } = useProject();
  const delivered = ports.find((p) => p.uuid === result.delivered_to);
  return (
    <Card title="Result">
      <div className="flex flex-col gap-3" data-testid="traffic-result" data-verdict={result.verdict}>
        <div className="flex flex-wrap items-center gap-2">
          <span data-testid="traffic-verdict">
            <VerdictBadge verdict={result.verdict} />
          </span>
          <span className="text-[13px]" data-testid="traffic-reason">
            {result.reason}
          </span>
        </div>
        {result.delivered_to && (
          <p className="text-xs text-muted">
            Delivered to{" "}
            {delivered ? (
              <Link className="text-accent hover:underline" href={withProject(objectHref("virtual-machine-interface", delivered.uuid))}>
                {delivered.name}
              </Link>
            ) : (
              <Mono copy={result.delivered_to}>{result.delivered_to}</Mono>
            )}
          </p>
        )}
        <HopList hops={result.hops} />
      </div>
    </Card>
  );
}

/** The path a packet took, hop by hop (test traffic and the reachability analysis show the same steps). */
export function HopList({ hops }: { hops: { node: string; step: string; detail: string }[] }) {
  const { withProject } = useProject();
  if (hops.length === 0) return <p className="text-xs text-faint">No hop was reported.</p>;
  return (
    <ol className="relative flex flex-col" data-testid="traffic-hops">
      {hops.map((h, i) => (
        <li key={i} className="flex gap-3" data-testid="traffic-hop" data-node={h.node} data-step={h.step}>
          <div className="flex flex-col items-center">
            <span className="grid h-6 w-6 shrink-0 place-items-center rounded-full border border-line-strong bg-surface-2 text-[11px] tabular-nums">{i + 1}</span>
            {i < hops.length - 1 && (
              <span className="flex w-px flex-1 flex-col items-center bg-line">
                <ArrowDown className="mt-auto h-3 w-3 -translate-x-px text-faint" />
              </span>
            )}
          </div>
          <div className="min-w-0 pb-4">
            <div className="flex flex-wrap items-center gap-2">
              {h.node ? (
                <Link href={withProject(computeNodeHref(h.node))} className="text-[13px] font-medium text-accent hover:underline" data-testid="traffic-hop-node">
                  {h.node}
                </Link>
              ) : (
                <span className="text-[13px] font-medium">—</span>
              )}
              <Badge>{h.step}</Badge>
            </div>
            <p className="mt-0.5 font-mono text-xs break-words text-muted">{h.detail}</p>
          </div>
        </li>
      ))}
    </ol>
  );
}
