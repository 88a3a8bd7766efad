"use client";
import { useState } from "react";
import { NameSchema } from "../../server/engine/model/schemas";
import { errorMessage, FieldErrors, fieldIssues } from "../../lib/errors";
import { FormDialog } from "../objects/form-dialog";
import { useCreateObject } from "../objects/use-config";
import { Field } from "../ui/field";
import { Input } from "../ui/input";

export function ProjectForm({ open, onOpenChange, onCreated }: { open: boolean; onOpenChange: (o: boolean) => void; onCreated?: (uuid: string) => void }) {
  const create = useCreateObject();
  const [name, setName] = useState("");
  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");

  async function submit() {
    setTopError("");
    const n = NameSchema.safeParse(name.trim());
    if (!n.success) return setErrors(new FieldErrors([{ field: "name", message: n.error.issues[0].message }]));
    setErrors(FieldErrors.empty);
    try {
      const created = await create.mutateAsync({ type: "project", body: { fq_name: ["default-domain", name.trim()], parent_type: "domain" } });
      onOpenChange(false);
      onCreated?.((created as { uuid: string }).uuid);
    } catch (e) {
      const fe = new FieldErrors(fieldIssues(e));
      setErrors(fe);
      setTopError(fe.size === 0 || fe.rest(["name", "fq_name"]).length ? errorMessage(e) : "");
    }
  }

  return (
    <FormDialog
      open={open}
      onOpenChange={onOpenChange}
      title="Create project"
      description="in default-domain; it gets a “default” security group."
      submitLabel="Create"
      busy={create.isPending}
      error={topError}
      onSubmit={submit}
    >
      <Field label="Name" htmlFor="field-name" error={errors.at("name") ?? errors.at("fq_name")} name="name">
        <Input id="field-name" data-testid="field-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="tenant-a" autoFocus />
      </Field>
    </FormDialog>
  );
}
