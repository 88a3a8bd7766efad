"use client";
// Routes received from / advertised to one peer (its Adj-RIB-In / Adj-RIB-Out), in the shared
// table: family, prefix, RD, labels, next hop, communities and route targets, local pref, AS path.
import { createColumnHelper } from "@tanstack/react-table";
import { useMemo } from "react";
import { DataTable } from "../data-table/DataTable";
import { Badge } from "../ui/badge";
import { Mono } from "../ui/mono";
import type { BgpRouteRow } from "./bgp-fields";

const col = createColumnHelper<BgpRouteRow>();

function Communities({ list }: { list: string[] }) {
  if (list.length === 0) return <span className="text-faint">—</span>;
  return (
    <span className="flex gap-1 overflow-hidden" title={list.join(" ")}>
      {list.map((c) => (
        <Badge key={c} tone={c.startsWith("target:") ? "accent" : "neutral"} className="font-mono">
          {c}
        </Badge>
      ))}
    </span>
  );
}

export function BgpRoutesTable({ rows, isLoading, error, direction, peer }: { rows: BgpRouteRow[]; isLoading: boolean; error: unknown; direction: "received" | "advertised"; peer: string }) {
  const columns = useMemo(
    () => [
      col.accessor("family", { header: "Family", size: 80, meta: { filter: true }, cell: (c) => <Badge>{c.getValue()}</Badge> }),
      col.accessor("prefix", { header: "Prefix", size: 150, meta: { mono: true, filter: true }, cell: (c) => <span data-testid="bgp-route-prefix"><Mono copy={c.getValue()}>{c.getValue()}</Mono></span> }),
      col.accessor((r) => r.rd ?? "", { id: "rd", header: "RD", size: 140, meta: { mono: true, filter: true }, cell: (c) => (c.getValue() ? <Mono copy={c.getValue()}>{c.getValue()}</Mono> : "—") }),
      col.accessor((r) => r.labels.join(" "), { id: "labels", header: "Labels", size: 80, meta: { mono: true, align: "right" }, cell: (c) => <span data-testid="bgp-route-labels">{c.getValue() || "—"}</span> }),
      col.accessor("nextHop", { header: "Next hop", size: 120, meta: { mono: true, filter: true }, cell: (c) => <span data-testid="bgp-route-nexthop"><Mono copy={c.getValue()}>{c.getValue() || "—"}</Mono></span> }),
      col.accessor((r) => r.communities.join(" "), { id: "communities", header: "Communities / RTs", size: 320, meta: { filter: true }, cell: (c) => <Communities list={c.row.original.communities} /> }),
      col.accessor((r) => r.localPref ?? -1, { id: "localPref", header: "Local pref", size: 80, meta: { align: "right" }, cell: (c) => <span className="tabular-nums">{c.row.original.localPref ?? "—"}</span> }),
      col.accessor("asPath", { header: "AS path", size: 120, meta: { mono: true, filter: true }, cell: (c) => c.getValue() || <span className="text-faint" title="empty AS path: an iBGP route">(iBGP)</span> }),
    ],
    [],
  );
  return (
    <DataTable
      data={rows}
      columns={columns}
      noun={direction === "received" ? "routes received" : "routes advertised"}
      getRowId={(r) => `${r.family}|${r.rd ?? ""}|${r.prefix}`}
      rowName={(r) => (r.rd ? `${r.rd}:${r.prefix}` : r.prefix)}
      isLoading={isLoading}
      error={error}
      initialSorting={[{ id: "prefix", desc: false }]}
      filterPlaceholder="Search prefix, RD, next hop, route target…"
      empty={
        direction === "received" ? (
          <p>{peer} has sent no routes. Routes arrive once the session is Established and the peer has something to announce for a negotiated family.</p>
        ) : (
          <p>Nothing advertised to {peer}. Ports on compute nodes are advertised as l3vpn-ipv4 (inet-vpn) routes once the session is Established.</p>
        )
      }
    />
  );
}
