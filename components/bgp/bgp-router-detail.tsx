"use client";
// One BGP router: its parameters and live session (state, uptime, what was negotiated, the last
// error in words with the NOTIFICATION code/subcode), the routes received from and advertised to
// it (Adj-RIB-In / Adj-RIB-Out, live), and the generic JSON and History tabs.
import { useQuery } from "@tanstack/react-query";
import { Pencil, Trash2 } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import type { ConfigObject } from "../../server/engine/model/types";
import { errorCode, errorMessage } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { FqName, formatTime, Uuid } from "../objects/cells";
import { HistoryTab } from "../objects/history-tab";
import { JsonTab } from "../objects/json-tab";
import { KV } from "../objects/kv";
import { PageHeader } from "../objects/page-header";
import { useConfigList, useConfigObject } from "../objects/use-config";
import { useProject } from "../project-context";
import { useBreadcrumbName } from "../shell/breadcrumbs";
import { useIsAdmin } from "../session";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { Mono } from "../ui/mono";
import { Spinner } from "../ui/spinner";
import { Tabs } from "../ui/tabs";
import { associatedPeers, bgpRouterHref, formatDuration, num, paramsOf, sessionOf, stateWord } from "./bgp-fields";
import { BgpRouterForm } from "./bgp-router-form";
import { BGP_REFRESH_MS, FamilyList } from "./bgp-router-list";
import { BgpRoutesTable } from "./bgp-routes-table";
import { BgpStateBadge } from "./bgp-state-badge";
import { useDeleteBgpRouters } from "./use-delete-bgp-routers";

const yesNo = (b: unknown) => (b ? "Yes" : "No");

/** A counter: a warning badge when something happened, a plain 0 otherwise (never colour alone). */
function Count({ n, testid }: { n: number | undefined; testid: string }) {
  if (!n) return <span className="tabular-nums" data-testid={testid}>0</span>;
  return <Badge tone="warn"><span className="tabular-nums" data-testid={testid}>{n}</span></Badge>;
}

export function BgpRouterDetail({ uuid }: { uuid: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const { withProject } = useProject();
  const isAdmin = useIsAdmin();
  const q = useConfigObject("bgp-router", uuid);
  const obj = q.data?.object as ConfigObject | undefined;
  useBreadcrumbName(obj?.name);
  const views = useQuery(trpc.bgp.routers.queryOptions(undefined, { refetchInterval: BGP_REFRESH_MS }));
  const all = useConfigList("bgp-router");
  const view = views.data?.find((r) => r.uuid === uuid);
  const address = view?.address ?? (paramsOf(obj).address as string | undefined) ?? "";
  const isLocal = !!view?.isLocal;
  const routes = useQuery(trpc.bgp.routes.queryOptions({ address }, { enabled: !!address && !isLocal, refetchInterval: BGP_REFRESH_MS }));
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const deleteRouters = useDeleteBgpRouters();
  const tab = params.get("tab") ?? "overview";

  function setTab(id: string) {
    const next = new URLSearchParams(params.toString());
    next.set("tab", id);
    router.replace(`${pathname}?${next.toString()}`);
  }

  if (q.isLoading) return <div className="p-6"><Spinner label="Loading BGP router…" /></div>;
  if (q.error || !obj)
    return (
      <div className="p-6 text-sm text-danger" role="alert">
        {errorCode(q.error) === "NOT_FOUND" ? "This BGP router does not exist (any more)." : `Could not load it: ${errorMessage(q.error)}`}
      </div>
    );

  const p = paramsOf(obj);
  const s = view ? sessionOf(view) : null;
  const word = view ? stateWord(view) : "Idle";
  const peers = associatedPeers(all.items, uuid).map((u) => all.items.find((o) => o.uuid === u)!).filter(Boolean);
  const received = routes.data?.received ?? [];
  const advertised = routes.data?.advertised ?? [];

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title={obj.name}
        badges={
          <>
            <Badge>{isLocal ? "Control node (this one)" : `BGP router · ${(p.router_type as string) ?? "router"}`}</Badge>
            {view && <BgpStateBadge state={word} reason={s?.stateReason} />}
          </>
        }
        description={<FqName fq={obj.fq_name} />}
        actions={
          isAdmin && (
            <>
              <Button size="sm" onClick={() => setEditing(true)} data-testid="edit-button">
                <Pencil className="h-3.5 w-3.5" /> Edit
              </Button>
              {!isLocal && (
                <Button size="sm" variant="danger" onClick={() => setDeleting(true)} data-testid="delete-button">
                  <Trash2 className="h-3.5 w-3.5" /> Delete
                </Button>
              )}
            </>
          )
        }
      />
      <div className="bg-surface px-4">
        <Tabs
          value={tab}
          onChange={setTab}
          tabs={[
            { id: "overview", label: "Overview" },
            ...(isLocal
              ? []
              : [
                  { id: "received", label: "Routes received", count: routes.data ? received.length : undefined },
                  { id: "advertised", label: "Routes advertised", count: routes.data ? advertised.length : undefined },
                ]),
            { id: "json", label: "JSON" },
            { id: "history", label: "History" },
          ]}
        />
      </div>

      {tab === "overview" && (
        <div className="min-h-0 flex-1 overflow-auto p-4">
          <div className="grid gap-4 lg:grid-cols-2">
            <Card title={isLocal ? "Speaker" : "Session"}>
              {!view || !s ? (
                views.isLoading ? <Spinner label="Loading session…" /> : <p className="text-xs text-muted">No session information.</p>
              ) : isLocal ? (
                <KV
                  rows={[
                    ["State", <BgpStateBadge key="s" state={word} reason={s.stateReason} />],
                    ["Listening on", s.listen ? <Mono key="l" copy={s.listen}>{s.listen}</Mono> : "—"],
                    ["Routes exported", <span key="e" className="tabular-nums">{num(s.exported)}</span>],
                    ["Peers", <span key="p" className="tabular-nums">{peers.length}</span>],
                    [
                      "Connections rejected",
                      <span key="rc" className="tabular-nums" data-testid="bgp-rejected-connections" title="connections from addresses that are no configured peer, refused with Cease / Connection Rejected (RFC 4486)">
                        {num(s.rejectedConnections)}
                        {s.lastRejected ? <span className="text-muted"> · last from <Mono copy={s.lastRejected}>{s.lastRejected}</Mono></span> : null}
                      </span>,
                    ],
                    ["Last error", s.lastError ? <span key="le" className="text-danger" data-testid="bgp-last-error">{s.lastError}</span> : "—"],
                  ]}
                />
              ) : (
                <KV
                  rows={[
                    ["State", <BgpStateBadge key="s" state={word} reason={s.stateReason} />],
                    ["Why", s.stateReason ?? (word === "Established" ? "—" : null)],
                    ["Session type", s.type === "internal" ? "iBGP (same AS)" : s.type === "external" ? "eBGP" : "—"],
                    ["Uptime", <span key="u" className="tabular-nums">{formatDuration(s.uptimeSeconds)}</span>],
                    ["Negotiated families", s.negotiatedFamilies.length ? <FamilyList key="nf" wrap families={s.negotiatedFamilies} /> : "—"],
                    ["Negotiated hold time", s.holdTime !== null ? <span key="h" className="tabular-nums">{s.holdTime} s</span> : "—"],
                    ["Remote router ID", s.remoteRouterId ? <Mono key="r" copy={s.remoteRouterId}>{s.remoteRouterId}</Mono> : "—"],
                    ["Prefixes received", <span key="pr" className="tabular-nums" data-testid="bgp-received">{num(s.received)}</span>],
                    ["Prefixes accepted", <span key="pa" className="tabular-nums">{num(s.accepted)}</span>],
                    ["Prefixes advertised", <span key="pd" className="tabular-nums" data-testid="bgp-advertised">{num(s.advertised)}</span>],
                    ["Flaps", s.flaps ? <Badge key="f" tone="warn">{s.flaps}</Badge> : String(s.flaps ?? "—")],
                    ["Last error", s.lastError ? <span key="le" className="text-danger" data-testid="bgp-last-error">{s.lastError}</span> : "—"],
                  ]}
                />
              )}
            </Card>
            {!isLocal && s && (s.rfc7606 || s.ignored) && (
              <Card title="What the speaker did with the peer's routes">
                <KV
                  rows={[
                    ["Treat-as-withdraw (RFC 7606)", <Count key="taw" n={s.rfc7606?.treatAsWithdraw} testid="bgp-rfc7606-taw" />],
                    ["Attributes discarded (RFC 7606)", <Count key="ad" n={s.rfc7606?.attributeDiscard} testid="bgp-rfc7606-discard" />],
                    ["Session resets (RFC 7606)", <Count key="sr" n={s.rfc7606?.sessionReset} testid="bgp-rfc7606-reset" />],
                    ["Last", s.rfc7606?.last ? <span key="l" data-testid="bgp-rfc7606-last">{s.rfc7606.last}{s.rfc7606.lastAt ? <span className="text-muted"> · {formatTime(s.rfc7606.lastAt)}</span> : null}</span> : "—"],
                    ["Routes ignored now", <Count key="ig" n={s.ignored?.current} testid="bgp-ignored-current" />],
                    ["AS loop (RFC 4271 §9.1.2)", <Count key="al" n={s.ignored?.asLoop} testid="bgp-ignored-as-loop" />],
                    ["Own ORIGINATOR_ID (RFC 4456 §8)", <Count key="oo" n={s.ignored?.ownOriginatorId} testid="bgp-ignored-originator" />],
                    ["Own CLUSTER_ID (RFC 4456 §8)", <Count key="oc" n={s.ignored?.ownClusterId} testid="bgp-ignored-cluster" />],
                    ["Last ignored", s.ignored?.last ? <span key="li" data-testid="bgp-ignored-last">{s.ignored.last}</span> : "—"],
                  ]}
                />
              </Card>
            )}
            <Card title="Parameters">
              <KV
                rows={[
                  ["Vendor", (p.vendor as string) || "—"],
                  ["Router type", (p.router_type as string) ?? "router"],
                  ["IP address", <Mono key="a" copy={String(p.address ?? "")}>{String(p.address ?? "—")}</Mono>],
                  ["Router ID", <Mono key="i" copy={String(p.identifier ?? "")}>{String(p.identifier ?? "—")}</Mono>],
                  ["ASN", <span key="asn" className="tabular-nums" data-testid="bgp-param-asn">{String(p.autonomous_system ?? "—")}</span>],
                  ["BGP port", <span key="port" className="tabular-nums">{String(p.port ?? 179)}</span>],
                  ["Source port", p.source_port ? String(p.source_port) : "any"],
                  ["Hold time", `${String(p.hold_time ?? 90)} s`],
                  ["Address families", <FamilyList key="f" wrap families={p.address_families?.family ?? []} />],
                  ...(isLocal
                    ? []
                    : ([
                        ["Admin down", yesNo(p.admin_down)],
                        ["Passive", yesNo(p.passive)],
                        ["Max prefixes", p.max_prefixes ? num(p.max_prefixes as number) : "no limit"],
                      ] as [string, string][])),
                  ["Authentication", "none (TCP MD5 is not supported)"],
                  [
                    "Associated peers",
                    peers.length ? (
                      <span key="peers" className="flex flex-wrap gap-x-3" data-testid="bgp-peers">
                        {peers.map((o) => (
                          <Link key={o.uuid} href={withProject(bgpRouterHref(o.uuid))} className="text-accent hover:underline">
                            {o.name}
                          </Link>
                        ))}
                      </span>
                    ) : (
                      <span key="peers" className="text-warn" data-testid="bgp-peers">none: no session is started</span>
                    ),
                  ],
                ]}
              />
            </Card>
            <Card title="Identity">
              <KV
                rows={[
                  ["FQ name", <FqName key="fq" fq={obj.fq_name} />],
                  ["UUID", <Uuid key="uuid" uuid={obj.uuid} />],
                  ["Created", formatTime(obj.id_perms?.created)],
                  ["Last modified", formatTime(obj.id_perms?.last_modified)],
                  ["Version", <span key="v" className="tabular-nums">{obj.resource_version}</span>],
                ]}
              />
            </Card>
          </div>
        </div>
      )}
      {tab === "received" && <BgpRoutesTable rows={received} isLoading={routes.isLoading} error={routes.error} direction="received" peer={obj.name} />}
      {tab === "advertised" && <BgpRoutesTable rows={advertised} isLoading={routes.isLoading} error={routes.error} direction="advertised" peer={obj.name} />}
      {tab === "json" && (
        <div className="min-h-0 flex-1 overflow-auto p-4">
          <JsonTab value={q.data!.object} />
        </div>
      )}
      {tab === "history" && (
        <div className="min-h-0 flex-1 overflow-auto p-4">
          <HistoryTab uuid={uuid} />
        </div>
      )}

      {editing && <BgpRouterForm open existing={obj} onOpenChange={setEditing} />}
      <ConfirmDialog
        open={deleting}
        onOpenChange={setDeleting}
        title={`Delete BGP router ${obj.name}?`}
        items={[obj.fq_name.join(":")]}
        note="Its session with the control node is closed and the routes learned from it are withdrawn; links to it from other routers are removed first."
        onConfirm={async () => {
          const problem = await deleteRouters([{ uuid, name: obj.name, isLocal }]);
          if (problem) return problem;
          router.push(withProject("/infrastructure/bgp-routers"));
        }}
      />
    </div>
  );
}
