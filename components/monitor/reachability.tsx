"use client";
// Reachability: "why can't this port reach that address?" answered from the compiled state by the
// agents' own pipeline — no packet is sent. The answer shows every step, the object and rule that
// decided, and for a denied question the config change that would make it pass (checked before
// it is offered); operators can apply it in one click and ask again. The question lives in the
// URL, so an answer can be shared.
import { useMutation } from "@tanstack/react-query";
import { CircleCheck, CircleSlash, Search, Wand2 } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { errorMessage } from "../../lib/errors";
import { objectHref } from "../../lib/object-routes";
import { parseAddress } from "../../server/engine/model/net";
import { type RouterOutputs, useTRPC } from "../../lib/trpc";
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
import { HopList } from "./test-traffic";

type Answer = RouterOutputs["reachability"]["ask"];
type Protocol = "tcp" | "udp" | "icmp";

export function ReachabilityPage() {
  const me = useMe();
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const { projectUuid } = useProject();
  const canApply = me.role !== "viewer";

  const ports = useConfigList("virtual-machine-interface", { projectUuid });
  const allPorts = useConfigList("virtual-machine-interface");
  const iips = useConfigList("instance-ip");
  const byPort = useMemo(() => instanceIpsByPort(iips.items), [iips.items]);
  const choices = useMemo(
    () =>
      ports.items
        .map((p) => ({ uuid: p.uuid, name: p.name, addresses: (byPort.get(p.uuid) ?? []).map(iipAddress).filter(Boolean), host: portHost(p) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    [ports.items, byPort],
  );
  const known = useMemo(
    () =>
      allPorts.items
        .flatMap((p) => (byPort.get(p.uuid) ?? []).map((iip) => ({ address: iipAddress(iip), port: p.name })))
        .filter((k) => k.address)
        .sort((a, b) => a.address.localeCompare(b.address, undefined, { numeric: true })),
    [allPorts.items, byPort],
  );

  const [port, setPort] = useState(params.get("port") ?? "");
  const [destination, setDestination] = useState(params.get("dst") ?? "");
  const [protocol, setProtocol] = useState<Protocol>((["tcp", "udp", "icmp"].includes(params.get("proto") ?? "") ? params.get("proto") : "tcp") as Protocol);
  const [dstPort, setDstPort] = useState(params.get("dport") ?? "");
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const ask = useMutation(trpc.reachability.ask.mutationOptions());
  const apply = useMutation(trpc.reachability.applySuggestion.mutationOptions());
  const effectivePort = port || choices[0]?.uuid || "";

  function question() {
    const errs: Record<string, string> = {};
    if (!effectivePort) errs.port = "pick the port to start from";
    const dst = destination.trim();
    if (!dst) errs.destination = "give the destination address";
    else if (!parseAddress(dst)) errs.destination = `"${dst}" is not an IP address`;
    let dport: number | undefined;
    if (protocol !== "icmp" && dstPort.trim()) {
      dport = Number(dstPort.trim());
      if (!Number.isInteger(dport) || dport < 0 || dport > 65535) errs.dst_port = "a port number 0–65535";
    }
    setFieldErrors(errs);
    if (Object.keys(errs).length) return null;
    return { port: effectivePort, destination: dst, protocol, ...(dport !== undefined ? { dst_port: dport } : {}) };
  }

  function run(e?: FormEvent) {
    e?.preventDefault();
    const q = question();
    if (!q) return;
    const next = new URLSearchParams(params.toString());
    next.set("port", q.port);
    next.set("dst", q.destination);
    next.set("proto", q.protocol);
    if (q.dst_port !== undefined) next.set("dport", String(q.dst_port));
    else next.delete("dport");
    router.replace(`${pathname}?${next.toString()}`, { scroll: false });
    apply.reset();
    ask.mutate(q);
  }

  // a shared link asks at once
  const autoAsk = !!(params.get("port") && params.get("dst"));
  useEffect(() => {
    if (autoAsk && !ask.data && !ask.isPending && !ask.error) run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [autoAsk]);

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title="Reachability"
        description="Why can (or can't) a port reach an address? Answered from the compiled policies and routes by the agents' own pipeline — no packet is sent — with the change that would make it pass."
      />
      <div className="min-h-0 flex-1 overflow-auto p-4">
        <div className="grid max-w-6xl gap-4 lg:grid-cols-[minmax(0,420px)_minmax(0,1fr)]">
          <Card title="Question">
            <form className="flex flex-col gap-3" onSubmit={run} noValidate>
              <Field label="From port" htmlFor="reach-port" error={fieldErrors.port} name="reach-port" hint="A port of the selected project.">
                <Select
                  id="reach-port"
                  data-testid="reach-port"
                  value={effectivePort}
                  onChange={(e) => setPort(e.target.value)}
                  options={choices.map((c) => ({ value: c.uuid, label: `${c.name} — ${c.addresses.join(", ") || "no address"}${c.host ? ` — ${c.host}` : " — not bound"}` }))}
                />
              </Field>
              <Field label="To address" htmlFor="reach-destination" error={fieldErrors.destination} name="reach-destination">
                <div className="flex gap-1">
                  <Input id="reach-destination" mono data-testid="reach-destination" value={destination} invalid={!!fieldErrors.destination} placeholder="10.2.0.252" onChange={(e) => setDestination(e.target.value)} />
                  <Select
                    aria-label="Known port addresses"
                    className="w-44 shrink-0"
                    value=""
                    placeholder="Known addresses…"
                    onChange={(e) => e.target.value && setDestination(e.target.value)}
                    options={known.map((k) => ({ value: k.address, label: `${k.address} (${k.port})` }))}
                  />
                </div>
              </Field>
              <div className="grid grid-cols-2 gap-3">
                <Field label="Protocol" htmlFor="reach-protocol" name="reach-protocol">
                  <Select
                    id="reach-protocol"
                    data-testid="reach-protocol"
                    value={protocol}
                    onChange={(e) => setProtocol(e.target.value as Protocol)}
                    options={[
                      { value: "tcp", label: "TCP" },
                      { value: "udp", label: "UDP" },
                      { value: "icmp", label: "ICMP (echo)" },
                    ]}
                  />
                </Field>
                <Field label="Destination port" htmlFor="reach-dst-port" error={fieldErrors.dst_port} name="reach-dst-port">
                  <Input
                    id="reach-dst-port"
                    mono
                    inputMode="numeric"
                    data-testid="reach-dst-port"
                    disabled={protocol === "icmp"}
                    placeholder={protocol === "icmp" ? "—" : "80"}
                    value={protocol === "icmp" ? "" : dstPort}
                    onChange={(e) => setDstPort(e.target.value)}
                  />
                </Field>
              </div>
              <div>
                <Button type="submit" variant="primary" disabled={ask.isPending} data-testid="reach-ask">
                  <Search className="h-3.5 w-3.5" />
                  {ask.isPending ? "Asking…" : "Ask"}
                </Button>
              </div>
            </form>
          </Card>
          <div className="flex min-w-0 flex-col gap-4">
            {ask.error && <FormError>{errorMessage(ask.error)}</FormError>}
            {ask.data && (
              <AnswerView
                answer={ask.data}
                canApply={canApply}
                applying={apply.isPending}
                applied={apply.isSuccess}
                applyError={apply.error ? errorMessage(apply.error) : ""}
                onApply={() => ask.data?.suggestion && apply.mutate({ changes: ask.data.suggestion.changes as unknown as Record<string, unknown>[] })}
                onAskAgain={() => run()}
              />
            )}
            {!ask.data && !ask.error && (
              <Card title="Answer">
                <p className="text-xs text-muted">Pick a port and a destination, then Ask.</p>
              </Card>
            )}
          </div>
        </div>
      </div>
    </div>
  );
}

function AnswerView(props: { answer: Answer; canApply: boolean; applying: boolean; applied: boolean; applyError: string; onApply: () => void; onAskAgain: () => void }) {
  const { withProject } = useProject();
  const { answer: a } = props;
  const d = a.deciding;
  return (
    <>
      <Card title="Answer">
        <div className="flex flex-col gap-3" data-testid="reach-answer" data-verdict={a.verdict}>
          <div className="flex flex-wrap items-center gap-2">
            <span data-testid="reach-verdict">
              {a.verdict === "allowed" ? (
                <Badge tone="ok">
                  <CircleCheck className="mr-1 h-3 w-3" />
                  Allowed
                </Badge>
              ) : (
                <Badge tone="danger">
                  <CircleSlash className="mr-1 h-3 w-3" />
                  Denied
                </Badge>
              )}
            </span>
            <span className="text-[13px]" data-testid="reach-reason">
              {a.reason}
            </span>
            <span className="ml-auto text-xs text-faint tabular-nums">{a.elapsed_ms} ms, no packet sent</span>
          </div>
          {d && (
            <p className="text-xs text-muted" data-testid="reach-deciding">
              Decided by {d.stage} on {d.node}:{" "}
              {d.object && "uuid" in d.object && d.object.uuid ? (
                <Link className="text-accent hover:underline" href={withProject(objectHref(d.object.type, d.object.uuid as string))}>
                  {d.object.type} {d.object.fq_name.join(":")}
                </Link>
              ) : (
                <Mono>{d.acl}</Mono>
              )}
              {d.rule_index ? ` rule ${d.rule_index}` : d.action === "deny" ? " (default action: deny)" : ""}
            </p>
          )}
          <HopList hops={a.steps} />
        </div>
      </Card>
      {a.suggestion && (
        <Card title="What would make it pass">
          <div className="flex flex-col gap-2" data-testid="reach-suggestion" data-verified={a.suggestion.verified ? "true" : "false"}>
            <p className="text-[13px]">{a.suggestion.summary}</p>
            {a.suggestion.changes.length > 0 && (
              <ol className="list-decimal pl-5 text-xs text-muted">
                {a.suggestion.changes.map((c, i) => (
                  <li key={i}>
                    {c.action} <Mono>{c.type}</Mono> <Mono>{c.fq_name.join(":")}</Mono>
                  </li>
                ))}
              </ol>
            )}
            <p className="text-xs text-faint">
              {a.suggestion.verified ? "Checked: the same question over the changed config is allowed." : `Not enough on its own${a.suggestion.remaining ? `: ${a.suggestion.remaining}` : ""}.`}
            </p>
            {props.applyError && <FormError>{props.applyError}</FormError>}
            {a.suggestion.changes.length > 0 && props.canApply && (
              <div className="flex gap-2">
                <Button variant="primary" disabled={props.applying || props.applied} onClick={props.onApply} data-testid="reach-apply">
                  <Wand2 className="h-3.5 w-3.5" />
                  {props.applied ? "Applied" : props.applying ? "Applying…" : "Apply suggestion"}
                </Button>
                {props.applied && (
                  <Button onClick={props.onAskAgain} data-testid="reach-ask-again">
                    Ask again
                  </Button>
                )}
              </div>
            )}
          </div>
        </Card>
      )}
    </>
  );
}
