"use client";
// Toasts: a short word after every write ("Created virtual network vn-a", with a link to it), so
// an operator never wonders whether a click did anything. Announced to screen readers (role=status).
import Link from "next/link";
import { X } from "lucide-react";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { cn } from "../../lib/cn";

export interface ToastInput {
  message: ReactNode;
  /** a page that shows what was done */
  href?: string;
  linkLabel?: string;
  tone?: "ok" | "danger" | "neutral";
}

interface Toast extends ToastInput {
  id: number;
}

const ToastContext = createContext<(t: ToastInput) => void>(() => {});

/** Shows a toast; a no-op outside <ToastProvider> (tests, the login page). */
export function useToast() {
  return useContext(ToastContext);
}

const LIFETIME_MS = 6_000;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const show = useCallback((t: ToastInput) => {
    const id = next.current++;
    // at most four on screen: the oldest goes first
    setToasts((ts) => [...ts.slice(-3), { ...t, id }]);
  }, []);
  const value = useMemo(() => show, [show]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="pointer-events-none fixed right-4 bottom-4 z-[60] flex w-96 max-w-[calc(100vw-2rem)] flex-col gap-2" aria-live="polite">
        {toasts.map((t) => (
          <ToastItem key={t.id} toast={t} onClose={() => dismiss(t.id)} />
        ))}
      </div>
    </ToastContext.Provider>
  );
}

function ToastItem({ toast, onClose }: { toast: Toast; onClose: () => void }) {
  const [hover, setHover] = useState(false);
  useEffect(() => {
    if (hover) return;
    const t = setTimeout(onClose, LIFETIME_MS);
    return () => clearTimeout(t);
  }, [hover, onClose]);
  return (
    <div
      role="status"
      data-testid="toast"
      onMouseEnter={() => setHover(true)}
      onMouseLeave={() => setHover(false)}
      className={cn(
        "pointer-events-auto flex items-start gap-3 rounded-lg border bg-surface px-3 py-2.5 text-[13px] shadow-lg",
        toast.tone === "danger" ? "border-danger" : toast.tone === "ok" || !toast.tone ? "border-ok" : "border-line-strong",
      )}
    >
      <div className="min-w-0 flex-1 break-words">
        <span data-testid="toast-message">{toast.message}</span>
        {toast.href && (
          <>
            {" "}
            <Link href={toast.href} onClick={onClose} className="font-medium text-accent hover:underline" data-testid="toast-link">
              {toast.linkLabel ?? "Open"}
            </Link>
          </>
        )}
      </div>
      <button type="button" onClick={onClose} aria-label="Dismiss" className="shrink-0 text-muted hover:text-fg">
        <X className="h-4 w-4" />
      </button>
    </div>
  );
}
