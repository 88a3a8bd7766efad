"use client";
import { useState } from "react";
import { NameSchema } from "../../../server/engine/model/schemas";
import { errorMessage, FieldErrors, fieldIssues } from "../../../lib/errors";
import { FormDialog } from "../../objects/form-dialog";
import { useTargetProject } from "../../objects/target-project";
import { useConfigList, useCreateObject } from "../../objects/use-config";
import { Field } from "../../ui/field";
import { Input } from "../../ui/input";
import { Select } from "../../ui/select";

export function PoolForm({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const { project, picker } = useTargetProject();
  const vns = useConfigList("virtual-network", { projectUuid: project?.uuid, enabled: !!project });
  const create = useCreateObject();
  const [name, setName] = useState("");
  const [vnUuid, setVnUuid] = useState("");
  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");
  const vn = vns.items.find((v) => v.uuid === vnUuid) ?? vns.items.find((v) => v.router_external) ?? vns.items[0];

  async function submit() {
    setTopError("");
    const n = NameSchema.safeParse(name.trim());
    if (!n.success) return setErrors(new FieldErrors([{ field: "name", message: n.error.issues[0].message }]));
    if (!vn) return setErrors(new FieldErrors([{ field: "parent", message: "choose a network (the project has none yet)" }]));
    try {
      await create.mutateAsync({ type: "floating-ip-pool", body: { fq_name: [...vn.fq_name, name.trim()], parent_type: "virtual-network" } });
      onOpenChange(false);
    } catch (e) {
      const fe = new FieldErrors(fieldIssues(e));
      setErrors(fe);
      setTopError(fe.size === 0 || fe.rest(["name", "fq_name"]).length ? errorMessage(e) : "");
    }
  }

  return (
    <FormDialog open={open} onOpenChange={onOpenChange} title="Create floating IP pool" submitLabel="Create" busy={create.isPending} error={topError} onSubmit={submit}>
      {picker}
      <Field label="Network" htmlFor="field-network" error={errors.at("parent")} name="network">
        <Select id="field-network" data-testid="field-network" value={vn?.uuid ?? ""} onChange={(e) => setVnUuid(e.target.value)} options={vns.items.map((v) => ({ value: v.uuid, label: `${v.name}${v.router_external ? " (external)" : ""}` }))} />
      </Field>
      <Field label="Name" htmlFor="field-name" error={errors.at("name") ?? errors.at("fq_name")} name="name">
        <Input id="field-name" data-testid="field-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="public-pool" />
      </Field>
    </FormDialog>
  );
}
