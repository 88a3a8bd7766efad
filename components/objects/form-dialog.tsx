"use client";
// A create/edit form in a dialog: the submit button lives in the footer, the form-level error
// (a server message no field claims) above the fields.
import { useId, type FormEvent, type ReactNode } from "react";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { FormError } from "../ui/field";

export function FormDialog({
  open,
  onOpenChange,
  title,
  description,
  submitLabel,
  busy,
  error,
  onSubmit,
  children,
  wide,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: ReactNode;
  description?: ReactNode;
  submitLabel: string;
  busy: boolean;
  error?: ReactNode;
  onSubmit: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  const formId = useId();
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!busy) onSubmit();
  }
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title={title}
      description={description}
      testId="form-dialog"
      className={wide ? "w-[min(920px,96vw)]" : undefined}
      footer={
        <>
          <Button onClick={() => onOpenChange(false)} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" form={formId} variant="primary" disabled={busy} data-testid="submit-button">
            {busy ? "Saving…" : submitLabel}
          </Button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} noValidate className="flex flex-col gap-4">
        {error && <FormError>{error}</FormError>}
        {children}
      </form>
    </Dialog>
  );
}
