"use client";
// One compute node: its session, the ports it hosts, the VRFs it has been sent, its counters.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo } from "react";
import { useMe } from "../session";
import { Button } from "../ui/button";
import { useTRPC } from "../../lib/trpc";
import { DataTable } from "../data-table/DataTable";
import { formatTime } from "../objects/cells";
import { KV } from "../objects/kv";
import { PageHeader } from "../objects/page-header";
import { useProject } from "../project-context";
import { useBreadcrumbName } from "../shell/breadcrumbs";
import { Badge } from "../ui/badge";
import { Card } from "../ui/card";
import { Mono } from "../ui/mono";
import { Spinner } from "../ui/spinner";
import { Tabs } from "../ui/tabs";
import { num, SessionStateBadge, since, type ComputeNodeDetailView } from "./node-fields";
import { objectHref } from "../../lib/object-routes";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { useToast } from "../ui/toast";
import { useIsAdmin } from "../session";
import { useState } from "react";

type PortRow = ComputeNodeDetailView["portList"][number];
const pcol = createColumnHelper<PortRow>();
const vcol = createColumnHelper<{ name: string; subscribed: boolean }>();

export function ComputeNodeDetail({ name }: { name: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const { withProject } = useProject();
  useBreadcrumbName(name);
  const q = useQuery(trpc.infra.computeNode.queryOptions({ name }, { refetchInterval: 10_000 }));
  const instances = useQuery(trpc.routing.instances.queryOptions());
  const riByName = useMemo(() => new Map((instances.data ?? []).map((ri) => [ri.name, ri])), [instances.data]);
  const tab = params.get("tab") ?? "overview";
  const node = q.data;
  const isAdmin = useIsAdmin();
  const toast = useToast();
  const qc = useQueryClient();
  const [confirmStop, setConfirmStop] = useState(false);
  const setAgent = useMutation(
    trpc.infra.setLabAgent.mutationOptions({
      onSuccess: (r) => {
        toast({ message: r.stopped ? `Stopped the agent of ${r.name}: the alarm NodeStatus follows in a few seconds` : `Started the agent of ${r.name}`, href: "/monitor/overview", linkLabel: "Overview" });
        return qc.invalidateQueries({ queryKey: trpc.infra.pathKey() });
      },
    }),
  );

  function setTab(id: string) {
    const next = new URLSearchParams(params.toString());
    next.set("tab", id);
    router.replace(`${pathname}?${next.toString()}`);
  }

  const portColumns = useMemo(
    () => [
      pcol.accessor((p) => p.fqName.split(":").pop() ?? p.fqName, {
        id: "name",
        header: "Port",
        size: 170,
        meta: { filter: true },
        cell: (c) => (
          <Link href={withProject(objectHref("virtual-machine-interface", c.row.original.uuid))} className="font-medium text-accent hover:underline" title={c.row.original.fqName}>
            {c.getValue()}
          </Link>
        ),
      }),
      pcol.accessor((p) => p.addresses.join(", "), { id: "addresses", header: "Addresses", size: 160, meta: { mono: true, filter: true }, cell: (c) => <Mono copy={c.getValue()}>{c.getValue() || "—"}</Mono> }),
      pcol.accessor("mac", { header: "MAC", size: 150, meta: { mono: true, filter: true } }),
      pcol.accessor("network", { header: "Network", size: 240, meta: { mono: true, filter: true }, cell: (c) => <Mono copy={c.getValue()}>{c.getValue()}</Mono> }),
      pcol.accessor("vrf", {
        header: "VRF",
        size: 260,
        meta: { mono: true, filter: true },
        cell: (c) => {
          const ri = riByName.get(c.getValue());
          return ri ? (
            <Link href={withProject(`/overlay/routing-instances/${ri.uuid}`)} className="font-mono text-xs text-accent hover:underline">
              {c.getValue()}
            </Link>
          ) : (
            <Mono>{c.getValue()}</Mono>
          );
        },
      }),
      pcol.accessor((p) => p.acls.join(", "), { id: "acls", header: "ACLs", size: 200, meta: { mono: true } }),
      pcol.accessor((p) => p.floatingIps.join(", "), { id: "fips", header: "Floating IPs", size: 140, meta: { mono: true } }),
    ],
    [riByName, withProject],
  );

  const vrfRows = useMemo(() => {
    if (!node) return [];
    const subs = new Set(node.subscriptions);
    const names = new Set([...node.vrfs, ...node.subscriptions]);
    return [...names].sort().map((n) => ({ name: n, subscribed: subs.has(n) }));
  }, [node]);
  const vrfColumns = useMemo(
    () => [
      vcol.accessor("name", {
        header: "Routing instance",
        size: 420,
        meta: { mono: true, filter: true },
        cell: (c) => {
          const ri = riByName.get(c.getValue());
          return ri ? (
            <Link href={withProject(`/overlay/routing-instances/${ri.uuid}`)} className="text-accent hover:underline">
              {c.getValue()}
            </Link>
          ) : (
            c.getValue()
          );
        },
      }),
      vcol.accessor((v) => riByName.get(v.name)?.routeTarget ?? "", { id: "rt", header: "Route target", size: 200, meta: { mono: true }, cell: (c) => (c.getValue() ? <Mono copy={c.getValue()}>{c.getValue()}</Mono> : "—") }),
      vcol.accessor((v) => riByName.get(v.name)?.routes ?? 0, { id: "routes", header: "Routes", size: 90, meta: { align: "right" }, cell: (c) => <span className="tabular-nums">{c.getValue()}</span> }),
      vcol.accessor((v) => (v.subscribed ? "Subscribed" : "Sent"), {
        id: "subscribed",
        header: "Routes pushed",
        size: 130,
        cell: (c) => (c.row.original.subscribed ? <Badge tone="ok">Subscribed</Badge> : <Badge>Not subscribed</Badge>),
      }),
    ],
    [riByName, withProject],
  );

  if (q.isLoading) return <div className="p-6"><Spinner label="Loading compute node…" /></div>;
  if (q.error) return <div role="alert" className="p-6 text-sm text-danger">Could not load {name}: {q.error.message}</div>;
  if (!node) return <div role="alert" className="p-6 text-sm text-danger">There is no compute node called {name} (no virtual-router object and no agent session).</div>;

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title={node.name}
        badges={
          <>
            <Badge>Compute node</Badge>
            <SessionStateBadge state={node.state} everConnected={node.everConnected} />
          </>
        }
        description={node.fq_name ? <Mono copy={node.fq_name.join(":")}>{node.fq_name.join(":")}</Mono> : "no virtual-router object: the agent connected under this name"}
        actions={
          node.lab && isAdmin ? (
            node.lab.stopped ? (
              <Button onClick={() => setAgent.mutate({ name: node.name, running: true })} disabled={setAgent.isPending} data-testid="start-agent">
                Start agent
              </Button>
            ) : (
              <Button variant="danger" onClick={() => setConfirmStop(true)} data-testid="stop-agent">
                Stop agent
              </Button>
            )
          ) : undefined
        }
      />
      <ConfirmDialog
        open={confirmStop}
        onOpenChange={setConfirmStop}
        title={`Stop the agent of ${node.name}?`}
        items={node.portList.map((p) => p.fqName)}
        note={`The lab's agent process for ${node.name} stops and stays stopped until you start it again: ${node.ports === 1 ? "its port loses" : `its ${node.ports} ports lose`} connectivity, its routes are withdrawn, and a NodeStatus alarm is raised.`}
        confirmLabel="Stop agent"
        onConfirm={async () => {
          await setAgent.mutateAsync({ name: node.name, running: false });
        }}
      />
      <div className="bg-surface px-4">
        <Tabs
          value={tab}
          onChange={setTab}
          tabs={[
            { id: "overview", label: "Overview" },
            { id: "ports", label: "Ports", count: node.portList.length },
            { id: "vrfs", label: "VRFs", count: vrfRows.length },
            { id: "stats", label: "Stats" },
          ]}
        />
      </div>
      {tab === "overview" && (
        <div className="min-h-0 flex-1 overflow-auto p-4">
          <div className="grid gap-4 lg:grid-cols-2">
            <Card title="Agent session">
              <KV
                rows={[
                  ["State", <SessionStateBadge key="s" state={node.state} everConnected={node.everConnected} />],
                  ["Address", node.address ? <Mono key="a" copy={node.address}>{node.address}</Mono> : "—"],
                  ["Configured address", node.configuredAddress ? <Mono key="ca" copy={node.configuredAddress}>{node.configuredAddress}</Mono> : "—"],
                  ["Data port", <Mono key="dp">{String(node.dataPort || "—")}</Mono>],
                  ["Agent version", node.agentVersion || "—"],
                  ["Connected", <span key="c" className="tabular-nums">{formatTime(node.connectedAt)} ({since(node.connectedAt)})</span>],
                  ["Disconnected", <span key="d" className="tabular-nums">{formatTime(node.disconnectedAt)}</span>],
                  ["Last seen", <span key="ls" className="tabular-nums">{since(node.lastSeen)}</span>],
                  ["Last resync", <span key="lr" className="tabular-nums">{since(node.lastResync)}</span>],
                  ["Flaps", node.flaps > 0 ? <Badge key="f" tone="warn">{node.flaps}</Badge> : "0"],
                ]}
              />
            </Card>
            <TrustCard node={node} />
            <Card title="What it hosts">
              <KV
                rows={[
                  ["Ports", <span key="p" className="tabular-nums" data-testid="node-port-count">{num(node.ports)}</span>],
                  ["VRFs", <span key="v" className="tabular-nums">{num(node.vrfs.length)}</span>],
                  ["Subscriptions", <span key="s" className="tabular-nums">{num(node.subscriptions.length)}</span>],
                  ["Routes announced", <span key="r" className="tabular-nums">{num(node.announced)}</span>],
                  [
                    "Encapsulations",
                    node.encapsulations.length ? (
                      <span key="e" className="flex flex-wrap gap-1">
                        {node.encapsulations.map((e) => (
                          <Badge key={e}>{e}</Badge>
                        ))}
                      </span>
                    ) : (
                      "—"
                    ),
                  ],
                ]}
              />
            </Card>
          </div>
        </div>
      )}
      {tab === "ports" && (
        <DataTable
          data={node.portList}
          columns={portColumns}
          noun="ports"
          getRowId={(p) => p.uuid}
          rowName={(p) => p.fqName.split(":").pop() ?? p.uuid}
          initialSorting={[{ id: "name", desc: false }]}
          onRowClick={(p) => router.push(withProject(objectHref("virtual-machine-interface", p.uuid)))}
          empty={<p>No ports on {node.name}. Create a port with Compute node = {node.name}, or launch a workload from the Ports page.</p>}
        />
      )}
      {tab === "vrfs" && (
        <DataTable
          data={vrfRows}
          columns={vrfColumns}
          noun="VRFs"
          getRowId={(v) => v.name}
          rowName={(v) => v.name}
          initialSorting={[{ id: "name", desc: false }]}
          empty={<p>The control node has sent no VRF to {node.name}: VRFs follow the ports a node hosts.</p>}
        />
      )}
      {tab === "stats" && (
        <div className="min-h-0 flex-1 overflow-auto p-4">
          <Card title="Data path counters (reported by the agent)">
            {node.stats ? (
              <KV
                rows={[
                  ["Flows", <span key="f" className="tabular-nums">{num(node.stats.flows)}</span>],
                  ["Packets forwarded", <span key="pf" className="tabular-nums">{num(node.stats.packetsForwarded)}</span>],
                  ["Packets dropped", <span key="pd" className="tabular-nums">{num(node.stats.packetsDropped)}</span>],
                  ["VRFs", <span key="v" className="tabular-nums">{num(node.stats.vrfs)}</span>],
                  ["Routes", <span key="r" className="tabular-nums">{num(node.stats.routes)}</span>],
                  ["Ports", <span key="p" className="tabular-nums">{num(node.stats.ports)}</span>],
                ]}
              />
            ) : (
              <p className="text-xs text-muted">The agent has not reported counters yet.</p>
            )}
          </Card>
        </div>
      )}
    </div>
  );
}

/**
 * How the control node trusts this node (issue 14): its certificate, a second session under its
 * identity, what was refused from it; admins issue the one-time enrolment token here.
 */
function TrustCard({ node }: { node: ComputeNodeDetailView }) {
  const trpc = useTRPC();
  const me = useMe();
  const issue = useMutation(trpc.infra.enrolmentToken.mutationOptions());
  const dup = node.duplicateSession;
  return (
    <Card title="Trust">
      <KV
        rows={[
          ["Certificate", node.enrolled ? <Badge key="e" tone="ok">Enrolled</Badge> : <Badge key="e" tone="warn">Not enrolled</Badge>],
          ["Serial", node.certSerial ? <Mono key="cs" copy={node.certSerial}>{node.certSerial}</Mono> : "—"],
          ["Session from", node.peer ? <Mono key="p">{node.peer}</Mono> : "—"],
          [
            "Second session",
            dup ? (
              <span key="d" data-testid="duplicate-session">
                <Badge tone="warn">{dup.outcome === "refused" ? "Duplicate refused" : "Session replaced"}</Badge>{" "}
                <span className="text-xs text-muted">
                  from <Mono>{dup.peer}</Mono> {since(dup.at)} ({node.duplicateSessions} in all)
                </span>
              </span>
            ) : (
              "none"
            ),
          ],
          ["Routes refused", node.refusedRoutes > 0 ? <Badge key="rr" tone="warn">{num(node.refusedRoutes)}</Badge> : "0"],
          ["Flow records refused", node.refusedFlowRecords > 0 ? <Badge key="rf" tone="warn">{num(node.refusedFlowRecords)}</Badge> : "0"],
        ]}
      />
      {node.refusals.length > 0 && (
        <ul className="mt-2 space-y-1 text-xs text-muted" data-testid="node-refusals">
          {node.refusals
            .slice(-5)
            .reverse()
            .map((r, i) => (
              <li key={i}>
                <span className="tabular-nums">{formatTime(r.at)}</span> {r.what}
              </li>
            ))}
        </ul>
      )}
      {me.role === "admin" && node.uuid && (
        <div className="mt-3 flex flex-col gap-2">
          <div>
            <Button onClick={() => issue.mutate({ uuid: node.uuid! })} disabled={issue.isPending} data-testid="issue-enrolment-token">
              {node.enrolled ? "Issue re-enrolment token" : "Issue enrolment token"}
            </Button>
          </div>
          {issue.error && <p role="alert" className="text-xs text-danger">{issue.error.message}</p>}
          {issue.data && (
            <div className="text-xs" data-testid="enrolment-token">
              <p className="text-muted">Single use, valid until {formatTime(issue.data.expires_at)}. Start the node&apos;s agent once with it (WEFT_ENROL_TOKEN or --enrol-token); it is not shown again.</p>
              <Mono copy={issue.data.token}>{issue.data.token}</Mono>
            </div>
          )}
        </div>
      )}
    </Card>
  );
}
