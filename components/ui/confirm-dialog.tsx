"use client";
import { useState, type ReactNode } from "react";
import { errorMessage } from "../../lib/errors";
import { Button } from "./button";
import { Dialog } from "./dialog";
import { FormError } from "./field";

/**
 * Confirms a destructive action, saying exactly what goes. `onConfirm` may throw: the error is
 * shown and the dialog stays open. Return a string to show a partial-failure report instead of closing.
 */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  items,
  note,
  confirmLabel = "Delete",
  onConfirm,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: ReactNode;
  /** what the action touches, one line each (names, FQ names) */
  items?: string[];
  note?: ReactNode;
  confirmLabel?: string;
  onConfirm: () => Promise<string | void> | string | void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>("");

  async function run() {
    setBusy(true);
    setError("");
    try {
      const problem = await onConfirm();
      if (problem) setError(problem);
      else onOpenChange(false);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        if (!o) setError("");
        onOpenChange(o);
      }}
      title={title}
      testId="confirm-dialog"
      footer={
        <>
          <Button onClick={() => onOpenChange(false)} disabled={busy}>
            Cancel
          </Button>
          <Button variant="danger" onClick={run} disabled={busy} data-testid="confirm-button">
            {busy ? "Working…" : confirmLabel}
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-3">
        {items && items.length > 0 && (
          <ul className="max-h-64 overflow-auto rounded-md border border-line bg-surface-2 px-3 py-2 font-mono text-xs">
            {items.map((i) => (
              <li key={i} className="truncate py-0.5">
                {i}
              </li>
            ))}
          </ul>
        )}
        {note && <div className="text-xs text-muted">{note}</div>}
        <FormError>{error}</FormError>
      </div>
    </Dialog>
  );
}
