"use client";
// Small renderers shared by object tables and detail pages.
import Link from "next/link";
import type { Ref } from "../../server/engine/model/types";
import { objectHref } from "../../lib/object-routes";
import { useProject } from "../project-context";
import { Badge } from "../ui/badge";
import { Mono } from "../ui/mono";

export function FqName({ fq, copy = true }: { fq: string[]; copy?: boolean }) {
  const s = fq.join(":");
  return <Mono copy={copy ? s : undefined} title={s}>{s}</Mono>;
}

export function Uuid({ uuid }: { uuid: string }) {
  return <Mono copy={uuid}>{uuid}</Mono>;
}

/** A link to an object's page, labelled with the last part of its FQ name (full name on hover). */
export function ObjectLink({ type, uuid, fq, full }: { type: string; uuid: string; fq?: string[]; full?: boolean }) {
  const { withProject } = useProject();
  const label = fq ? (full ? fq.join(":") : fq[fq.length - 1]) : uuid;
  return (
    <Link href={withProject(objectHref(type, uuid))} title={fq?.join(":")} className="text-accent hover:underline" onClick={(e) => e.stopPropagation()}>
      {label}
    </Link>
  );
}

export function RefLinks({ type, refs, empty = "—" }: { type: string; refs: Ref[] | undefined; empty?: string }) {
  if (!refs || refs.length === 0) return <span className="text-faint">{empty}</span>;
  return (
    <span className="inline-flex min-w-0 flex-wrap gap-x-2">
      {refs.map((r) => (
        <ObjectLink key={r.uuid} type={type} uuid={r.uuid} fq={r.to} />
      ))}
    </span>
  );
}

/** A yes/no property shown as a word. */
export function Flag({ on, yes, no }: { on: boolean | undefined; yes: string; no?: string }) {
  if (on) return <Badge tone="accent">{yes}</Badge>;
  return no ? <Badge>{no}</Badge> : <span className="text-faint">—</span>;
}

export function Dash() {
  return <span className="text-faint">—</span>;
}

const DATE_TIME = new Intl.DateTimeFormat("en-GB", { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short" });
const TIME = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });

/** The console's one date/time format: 2026-12-08 01:27:25 UTC (ISO order, 24 h, the browser's time zone named). */
export function formatTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === "") return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = Object.fromEntries(DATE_TIME.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName}`;
}

/** Time of day only, for rows whose date is the page's (flow records, route updates): 01:27:25. */
export function formatClock(t: string | number): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : TIME.format(d);
}
