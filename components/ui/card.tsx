import type { ReactNode } from "react";
import { cn } from "../../lib/cn";

export function Card({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={cn("rounded-lg border border-line bg-surface", className)}>
      {(title || actions) && (
        <header className="flex h-9 items-center justify-between border-b border-line px-3">
          <h3 className="text-xs font-semibold tracking-wide text-muted uppercase">{title}</h3>
          {actions}
        </header>
      )}
      <div className="p-3">{children}</div>
    </section>
  );
}
