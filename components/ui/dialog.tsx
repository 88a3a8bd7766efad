"use client";
// Modal dialog on the native <dialog> element: focus trap, Escape and the top layer come free.
import { X } from "lucide-react";
import { useEffect, useRef, type ReactNode } from "react";
import { cn } from "../../lib/cn";

export interface DialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: ReactNode;
  description?: ReactNode;
  children?: ReactNode;
  footer?: ReactNode;
  className?: string;
  /** "modal" centres the panel; "drawer" slides it in from the right */
  variant?: "modal" | "drawer";
  testId?: string;
}

export function Dialog({ open, onOpenChange, title, description, children, footer, className, variant = "modal", testId }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      data-testid={testId}
      onClose={() => onOpenChange(false)}
      onCancel={(e) => {
        e.preventDefault();
        onOpenChange(false);
      }}
      onMouseDown={(e) => {
        // a press on the backdrop (the dialog element itself, outside the panel) closes it
        if (e.target === ref.current) onOpenChange(false);
      }}
      className={cn(
        "m-0 max-h-none max-w-none bg-transparent p-0 text-fg backdrop:bg-black/40",
        variant === "modal" ? "top-[8vh] right-auto bottom-auto left-1/2 -translate-x-1/2" : "top-0 right-0 bottom-0 left-auto h-full",
      )}
    >
      {open && (
        <div
          className={cn(
            "flex flex-col border border-line bg-surface shadow-xl",
            variant === "modal" ? "max-h-[84vh] w-[min(640px,94vw)] rounded-lg" : "h-full w-[min(760px,96vw)]",
            className,
          )}
        >
          <header className="flex items-start justify-between gap-4 border-b border-line px-4 py-3">
            <div className="min-w-0">
              <h2 className="text-sm font-semibold">{title}</h2>
              {description && <p className="mt-0.5 text-xs text-muted">{description}</p>}
            </div>
            <button type="button" aria-label="Close" onClick={() => onOpenChange(false)} className="rounded p-1 text-muted hover:bg-surface-2 hover:text-fg">
              <X className="h-4 w-4" />
            </button>
          </header>
          <div className="min-h-0 flex-1 overflow-auto px-4 py-3">{children}</div>
          {footer && <footer className="flex items-center justify-end gap-2 border-t border-line px-4 py-3">{footer}</footer>}
        </div>
      )}
    </dialog>
  );
}

/** A side panel (detail drawer): the same dialog, docked to the right. */
export function Drawer(props: Omit<DialogProps, "variant">) {
  return <Dialog {...props} variant="drawer" />;
}
