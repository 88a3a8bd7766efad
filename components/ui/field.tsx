import type { ReactNode } from "react";
import { cn } from "../../lib/cn";

/** A labelled form control with its hint and, when something is wrong, the error in words. */
export function Field({
  label,
  htmlFor,
  hint,
  error,
  children,
  className,
  name,
}: {
  label?: ReactNode;
  htmlFor?: string;
  hint?: ReactNode;
  error?: string;
  children: ReactNode;
  className?: string;
  /** names the error for e2e: data-testid="error-<name>" */
  name?: string;
}) {
  return (
    <div className={cn("flex min-w-0 flex-col gap-1", className)}>
      {label && (
        <label htmlFor={htmlFor} className="text-xs font-medium text-muted">
          {label}
        </label>
      )}
      {children}
      {error ? (
        <p role="alert" data-testid={name ? `error-${name}` : "field-error"} className="text-xs text-danger">
          {error}
        </p>
      ) : (
        hint && <p className="text-xs text-faint">{hint}</p>
      )}
    </div>
  );
}

/** A form-level message (server error that no field claims). */
export function FormError({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <div role="alert" data-testid="form-error" className="rounded-md border border-danger/40 bg-danger-soft px-3 py-2 text-xs text-danger">
      {children}
    </div>
  );
}
