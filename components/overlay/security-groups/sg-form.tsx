"use client";
import { useMemo, useState } from "react";
import { NameSchema } from "../../../server/engine/model/schemas";
import type { ConfigObject } from "../../../server/engine/model/types";
import { errorMessage, FieldErrors, fieldIssues, type FieldIssue } from "../../../lib/errors";
import { FormDialog } from "../../objects/form-dialog";
import { useTargetProject } from "../../objects/target-project";
import { useConfigList, useCreateObject, useUpdateObject } from "../../objects/use-config";
import { Field } from "../../ui/field";
import { Input } from "../../ui/input";
import { SgRuleEditor } from "../rules/sg-rule-editor";
import { newSgRule, rulesOf, sgRowOf, sgRulesOf, type SgRuleRow } from "../rules/rule-model";

const ENTRIES = "security_group_entries";

export function SecurityGroupForm({ open, onOpenChange, existing }: { open: boolean; onOpenChange: (o: boolean) => void; existing?: ConfigObject }) {
  const { project, picker } = useTargetProject();
  const create = useCreateObject();
  const update = useUpdateObject();
  const sgs = useConfigList("security-group");
  const groups = useMemo(() => sgs.items.map((v) => v.fq_name.join(":")), [sgs.items]);
  const [name, setName] = useState(existing?.name ?? "");
  // Contrail's default for a new group: everything out, nothing in
  const [rows, setRows] = useState<SgRuleRow[]>(() =>
    existing ? rulesOf(existing, ENTRIES).map(sgRowOf) : [newSgRule({ traffic: "egress" }), newSgRule({ traffic: "egress", ethertype: "IPv6" })],
  );
  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");

  async function submit() {
    setTopError("");
    const issues: FieldIssue[] = [];
    if (!existing) {
      const n = NameSchema.safeParse(name.trim());
      if (!n.success) issues.push({ field: "name", message: n.error.issues[0].message });
      if (!project) return setTopError("Choose a project you may write in.");
    }
    const { rules, issues: ruleIssues } = sgRulesOf(rows, ENTRIES);
    issues.push(...ruleIssues);
    setErrors(new FieldErrors(issues));
    if (issues.length) return;
    const props = { [ENTRIES]: { policy_rule: rules } };
    try {
      if (existing) await update.mutateAsync({ type: "security-group", uuid: existing.uuid, body: { ...props, resource_version: existing.resource_version } });
      else await create.mutateAsync({ type: "security-group", body: { fq_name: [...project!.fq_name, name.trim()], parent_type: "project", ...props } });
      onOpenChange(false);
    } catch (e) {
      const fe = new FieldErrors(fieldIssues(e));
      setErrors(fe);
      setTopError(fe.size === 0 || fe.rest(["name", "fq_name", ENTRIES]).length ? errorMessage(e) : "");
    }
  }

  return (
    <FormDialog
      open={open}
      onOpenChange={onOpenChange}
      title={existing ? `Edit security group ${existing.name}` : "Create security group"}
      description="Security groups allow traffic: whatever no rule allows is dropped."
      submitLabel={existing ? "Save" : "Create"}
      busy={create.isPending || update.isPending}
      error={topError}
      onSubmit={submit}
      wide
    >
      {!existing && picker}
      <Field label="Name" htmlFor="field-name" error={errors.at("name") ?? errors.at("fq_name")} name="name">
        <Input id="field-name" data-testid="field-name" value={name} disabled={!!existing} onChange={(e) => setName(e.target.value)} autoFocus={!existing} />
      </Field>
      <SgRuleEditor rows={rows} onChange={setRows} errors={errors} entriesField={ENTRIES} securityGroups={groups} />
    </FormDialog>
  );
}
