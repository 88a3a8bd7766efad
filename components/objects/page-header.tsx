import type { ReactNode } from "react";

export function PageHeader({ title, description, actions, badges }: { title: ReactNode; description?: ReactNode; actions?: ReactNode; badges?: ReactNode }) {
  return (
    <div className="flex items-start justify-between gap-4 border-b border-line bg-surface px-4 py-3">
      <div className="min-w-0">
        <div className="flex items-center gap-2">
          <h1 className="truncate text-base font-semibold tracking-tight" data-testid="page-title">
            {title}
          </h1>
          {badges}
        </div>
        {description && <p className="mt-0.5 text-xs text-muted">{description}</p>}
      </div>
      {actions && <div className="flex shrink-0 items-center gap-2">{actions}</div>}
    </div>
  );
}
