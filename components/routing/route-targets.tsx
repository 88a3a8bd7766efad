"use client";
// Route targets as Contrail prints them: monospace, one per line, each with a copy button.
import { Mono } from "../ui/mono";

export function RouteTargetList({ rts, highlight, testId }: { rts: string[]; highlight?: string; testId?: string }) {
  if (rts.length === 0) return <span className="text-faint">—</span>;
  return (
    <span className="flex min-w-0 flex-wrap gap-x-3" data-testid={testId}>
      {rts.map((rt) => (
        <Mono key={rt} copy={rt} className={rt === highlight ? "" : "text-muted"}>
          {rt}
        </Mono>
      ))}
    </span>
  );
}
