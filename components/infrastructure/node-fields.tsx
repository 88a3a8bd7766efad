"use client";
// Shared bits of the control/compute node pages: session state as a word, durations, types.
import type { RouterOutputs } from "../../lib/trpc";
import { Badge } from "../ui/badge";

export type ControlNodeView = RouterOutputs["infra"]["controlNodes"][number];
export type ComputeNodeView = RouterOutputs["infra"]["computeNodes"][number];
export type ComputeNodeDetailView = NonNullable<RouterOutputs["infra"]["computeNode"]>;

/** Up / Down / Never connected: a word with a colour. */
export function SessionStateBadge({ state, everConnected = true }: { state: string; everConnected?: boolean }) {
  if (state === "Up") return <Badge tone="ok">Up</Badge>;
  if (!everConnected) return <Badge title="No agent of this name has connected to the control node yet">Never connected</Badge>;
  return <Badge tone="danger">{state || "Down"}</Badge>;
}

/** 3725 → "1h 2m 5s" */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (d) return `${d}d ${h}h ${m}m`;
  if (h) return `${h}h ${m}m ${s}s`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}

/** "5m ago" from an ISO time, for "connected since" and "last resync" cells. */
export function since(iso: string | null | undefined): string {
  if (!iso) return "—";
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  return `${formatDuration(Math.max(0, (Date.now() - t) / 1000))} ago`;
}

export const num = (n: number | null | undefined) => (n === null || n === undefined ? "—" : n.toLocaleString());
