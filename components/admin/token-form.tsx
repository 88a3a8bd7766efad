"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { errorMessage, FieldErrors, fieldIssues } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { FormDialog } from "../objects/form-dialog";
import { Button } from "../ui/button";
import { CopyButton } from "../ui/copy-button";
import { Dialog } from "../ui/dialog";
import { Field } from "../ui/field";
import { Input } from "../ui/input";

export function TokenForm({ onOpenChange }: { onOpenChange: (o: boolean) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.tokens.create.mutationOptions());
  const [name, setName] = useState("");
  const [days, setDays] = useState("90");
  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");
  const [token, setToken] = useState<string | null>(null);

  async function submit() {
    setTopError("");
    const issues = [];
    if (!name.trim()) issues.push({ field: "name", message: "give the token a name that says where it is used" });
    const d = days.trim() === "" ? undefined : Number(days);
    if (d !== undefined && (!Number.isInteger(d) || d < 1 || d > 3650)) issues.push({ field: "expiresInDays", message: "days must be a whole number 1–3650, or empty for no expiry" });
    setErrors(new FieldErrors(issues));
    if (issues.length) return;
    try {
      const res = await create.mutateAsync({ name: name.trim(), expiresInDays: d });
      await queryClient.invalidateQueries({ queryKey: trpc.tokens.pathKey() });
      setToken(res.token);
    } catch (e) {
      const fe = new FieldErrors(fieldIssues(e));
      setErrors(fe);
      setTopError(fe.size === 0 || fe.rest(["name", "expiresInDays"]).length ? errorMessage(e) : "");
    }
  }

  if (token)
    return (
      <Dialog open onOpenChange={onOpenChange} title="Token created" description="Copy it now: it is not shown again." footer={<Button variant="primary" onClick={() => onOpenChange(false)}>Done</Button>}>
        <div className="flex items-center gap-2 rounded-md border border-line bg-surface-2 p-3">
          <code className="min-w-0 flex-1 font-mono text-xs break-all" data-testid="new-token">
            {token}
          </code>
          <CopyButton value={token} label="Copy token" />
        </div>
      </Dialog>
    );

  return (
    <FormDialog open onOpenChange={onOpenChange} title="Create API token" submitLabel="Create" busy={create.isPending} error={topError} onSubmit={submit}>
      <Field label="Name" htmlFor="field-name" error={errors.at("name")} name="name" hint="e.g. ci-deploy, weftctl on laptop">
        <Input id="field-name" data-testid="field-name" value={name} onChange={(e) => setName(e.target.value)} autoFocus />
      </Field>
      <Field label="Expires in (days)" htmlFor="field-days" error={errors.at("expiresInDays")} name="expiresInDays" hint="Empty: never expires.">
        <Input id="field-days" data-testid="field-expires" inputMode="numeric" value={days} onChange={(e) => setDays(e.target.value)} className="w-32" />
      </Field>
    </FormDialog>
  );
}
