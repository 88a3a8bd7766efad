"use client";
import { useMemo, useState } from "react";
import { NameSchema } from "../../../server/engine/model/schemas";
import type { ConfigObject } from "../../../server/engine/model/types";
import { errorMessage, FieldErrors, fieldIssues } from "../../../lib/errors";
import { FormDialog } from "../../objects/form-dialog";
import { useTargetProject } from "../../objects/target-project";
import { useConfigList, useCreateObject, useUpdateObject } from "../../objects/use-config";
import { Field } from "../../ui/field";
import { Input } from "../../ui/input";
import { PolicyRuleEditor } from "../rules/policy-rule-editor";
import { newRule, policyRowOf, policyRulesOf, rulesOf, type RuleRow } from "../rules/rule-model";

const ENTRIES = "network_policy_entries";

export function NetworkPolicyForm({ open, onOpenChange, existing }: { open: boolean; onOpenChange: (o: boolean) => void; existing?: ConfigObject }) {
  const { project, picker } = useTargetProject();
  const create = useCreateObject();
  const update = useUpdateObject();
  const vns = useConfigList("virtual-network");
  const sgs = useConfigList("security-group");
  const networks = useMemo(() => vns.items.map((v) => v.fq_name.join(":")), [vns.items]);
  const groups = useMemo(() => sgs.items.map((v) => v.fq_name.join(":")), [sgs.items]);
  const [name, setName] = useState(existing?.name ?? "");
  const [rows, setRows] = useState<RuleRow[]>(() => (existing ? rulesOf(existing, ENTRIES).map(policyRowOf) : [newRule()]));
  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");

  async function submit() {
    setTopError("");
    const issues = [];
    if (!existing) {
      const n = NameSchema.safeParse(name.trim());
      if (!n.success) issues.push({ field: "name", message: n.error.issues[0].message });
      if (!project) return setTopError("Choose a project you may write in.");
    }
    const { rules, issues: ruleIssues } = policyRulesOf(rows, ENTRIES);
    issues.push(...ruleIssues);
    setErrors(new FieldErrors(issues));
    if (issues.length) return;
    const props = { [ENTRIES]: { policy_rule: rules } };
    try {
      if (existing) await update.mutateAsync({ type: "network-policy", uuid: existing.uuid, body: { ...props, resource_version: existing.resource_version } });
      else await create.mutateAsync({ type: "network-policy", body: { fq_name: [...project!.fq_name, name.trim()], parent_type: "project", ...props } });
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
      title={existing ? `Edit network policy ${existing.name}` : "Create network policy"}
      description="Rules are evaluated in order; the first match decides."
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
      <PolicyRuleEditor rows={rows} onChange={setRows} errors={errors} entriesField={ENTRIES} networks={networks} securityGroups={groups} />
    </FormDialog>
  );
}
