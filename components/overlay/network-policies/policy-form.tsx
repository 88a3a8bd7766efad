"use client";
import { useMemo, useState } from "react";
import type { ConfigObject } from "../../../server/engine/model/types";
import { FormDialog } from "../../objects/form-dialog";
import { useTargetProject } from "../../objects/target-project";
import { useConfigList } from "../../objects/use-config";
import { useRulesForm } from "../rules/use-rules-form";
import { Field } from "../../ui/field";
import { Input } from "../../ui/input";
import { PolicyRuleEditor } from "../rules/policy-rule-editor";
import { newRule, policyRowOf, policyRulesOf, rulesOf, type RuleRow } from "../rules/rule-model";

const ENTRIES = "network_policy_entries";

export function NetworkPolicyForm({ open, onOpenChange, existing }: { open: boolean; onOpenChange: (o: boolean) => void; existing?: ConfigObject }) {
  const { project, picker } = useTargetProject();
  const vns = useConfigList("virtual-network");
  const sgs = useConfigList("security-group");
  const networks = useMemo(() => vns.items.map((v) => v.fq_name.join(":")), [vns.items]);
  const groups = useMemo(() => sgs.items.map((v) => v.fq_name.join(":")), [sgs.items]);
  const [name, setName] = useState(existing?.name ?? "");
  const [rows, setRows] = useState<RuleRow[]>(() => (existing ? rulesOf(existing, ENTRIES).map(policyRowOf) : [newRule()]));
  const { submit, errors, topError, busy } = useRulesForm({
    type: "network-policy",
    entries: ENTRIES,
    existing,
    project,
    name,
    collect: () => policyRulesOf(rows, ENTRIES),
    onDone: () => onOpenChange(false),
  });

  return (
    <FormDialog
      open={open}
      onOpenChange={onOpenChange}
      title={existing ? `Edit network policy ${existing.name}` : "Create network policy"}
      description="Rules are evaluated in order; the first match decides."
      submitLabel={existing ? "Save" : "Create"}
      busy={busy}
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
