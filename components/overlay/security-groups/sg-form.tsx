"use client";
import { useMemo, useState } from "react";
import type { ConfigObject } from "../../../server/engine/model/types";
import { FormDialog } from "../../objects/form-dialog";
import { useTargetProject } from "../../objects/target-project";
import { useConfigList } from "../../objects/use-config";
import { useRulesForm } from "../rules/use-rules-form";
import { Field } from "../../ui/field";
import { Input } from "../../ui/input";
import { SgRuleEditor } from "../rules/sg-rule-editor";
import { newSgRule, rulesOf, sgRowOf, sgRulesOf, type SgRuleRow } from "../rules/rule-model";

const ENTRIES = "security_group_entries";

export function SecurityGroupForm({ open, onOpenChange, existing }: { open: boolean; onOpenChange: (o: boolean) => void; existing?: ConfigObject }) {
  const { project, picker } = useTargetProject();
  const sgs = useConfigList("security-group");
  const groups = useMemo(() => sgs.items.map((v) => v.fq_name.join(":")), [sgs.items]);
  const [name, setName] = useState(existing?.name ?? "");
  // Contrail's default for a new group: everything out, nothing in
  const [rows, setRows] = useState<SgRuleRow[]>(() =>
    existing ? rulesOf(existing, ENTRIES).map(sgRowOf) : [newSgRule({ traffic: "egress" }), newSgRule({ traffic: "egress", ethertype: "IPv6" })],
  );
  const { submit, errors, topError, busy } = useRulesForm({
    type: "security-group",
    entries: ENTRIES,
    existing,
    project,
    name,
    collect: () => sgRulesOf(rows, ENTRIES),
    onDone: () => onOpenChange(false),
  });

  return (
    <FormDialog
      open={open}
      onOpenChange={onOpenChange}
      title={existing ? `Edit security group ${existing.name}` : "Create security group"}
      description="Security groups allow traffic: whatever no rule allows is dropped."
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
      <SgRuleEditor rows={rows} onChange={setRows} errors={errors} entriesField={ENTRIES} securityGroups={groups} />
    </FormDialog>
  );
}
