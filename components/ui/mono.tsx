import type { ReactNode } from "react";
import { cn } from "../../lib/cn";
import { CopyButton } from "./copy-button";

/** Addresses, FQ names, UUIDs, RTs: monospace, optionally with a copy button. */
export function Mono({ children, copy, className, title }: { children: ReactNode; copy?: string; className?: string; title?: string }) {
  return (
    <span className={cn("group/mono inline-flex min-w-0 items-center gap-1", className)} title={title}>
      <span className="truncate font-mono text-xs">{children}</span>
      {copy !== undefined && <CopyButton value={copy} className="opacity-0 group-hover/mono:opacity-100 focus:opacity-100" />}
    </span>
  );
}
