"use client";
// The submit flow both rule-holding forms share (network policy, security group): name check,
// rule rows → Contrail rules, create or update, server errors mapped back to the fields.
import { useState } from "react";
import { NameSchema } from "../../../server/engine/model/schemas";
import type { ConfigObject, ObjectType } from "../../../server/engine/model/types";
import { errorMessage, FieldErrors, fieldIssues, type FieldIssue } from "../../../lib/errors";
import { useCreateObject, useUpdateObject } from "../../objects/use-config";

export function useRulesForm(opts: {
  type: Extract<ObjectType, "network-policy" | "security-group">;
  entries: string;
  existing?: ConfigObject;
  project: ConfigObject | undefined;
  name: string;
  /** the editor's rows as Contrail policy rules, with the rows' problems */
  collect: () => { rules: unknown[]; issues: FieldIssue[] };
  onDone: () => void;
}) {
  const create = useCreateObject();
  const update = useUpdateObject();
  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");
  const { type, entries, existing, project, name } = opts;

  async function submit() {
    setTopError("");
    const issues: FieldIssue[] = [];
    if (!existing) {
      const n = NameSchema.safeParse(name.trim());
      if (!n.success) issues.push({ field: "name", message: n.error.issues[0].message });
      if (!project) return setTopError("Choose a project you may write in.");
    }
    const { rules, issues: ruleIssues } = opts.collect();
    issues.push(...ruleIssues);
    setErrors(new FieldErrors(issues));
    if (issues.length) return;
    const props = { [entries]: { policy_rule: rules } };
    try {
      if (existing) await update.mutateAsync({ type, uuid: existing.uuid, body: { ...props, resource_version: existing.resource_version } });
      else await create.mutateAsync({ type, body: { fq_name: [...project!.fq_name, name.trim()], parent_type: "project", ...props } });
      opts.onDone();
    } catch (e) {
      const fe = new FieldErrors(fieldIssues(e));
      setErrors(fe);
      setTopError(fe.size === 0 || fe.rest(["name", "fq_name", entries]).length ? errorMessage(e) : "");
    }
  }

  return { submit, errors, topError, busy: create.isPending || update.isPending };
}
