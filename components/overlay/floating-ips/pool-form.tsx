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
import { Checkbox } from "../../ui/checkbox";
import { useProject } from "../../project-context";
import type { ConfigObject } from "../../../server/engine/model/types";

const noRouteTarget = (vn: ConfigObject) =>
  ["route_target_list", "export_route_target_list"].every((f) => !((vn[f] as { route_target?: string[] } | undefined)?.route_target ?? []).length);

export function PoolForm({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const { project, picker } = useTargetProject();
  const vns = useConfigList("virtual-network", { projectUuid: project?.uuid, enabled: !!project });
  const create = useCreateObject();
  const [name, setName] = useState("");
  const [vnUuid, setVnUuid] = useState("");
  const { projects } = useProject();
  const [shared, setShared] = useState<string[]>([]);
  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");
  const vn = vns.items.find((v) => v.uuid === vnUuid) ?? vns.items.find((v) => v.router_external) ?? vns.items[0];

  async function submit() {
    setTopError("");
    const n = NameSchema.safeParse(name.trim());
    if (!n.success) return setErrors(new FieldErrors([{ field: "name", message: n.error.issues[0].message }]));
    if (!vn) return setErrors(new FieldErrors([{ field: "parent", message: "choose a network (the project has none yet)" }]));
    try {
      await create.mutateAsync({ type: "floating-ip-pool", body: { fq_name: [...vn.fq_name, name.trim()], parent_type: "virtual-network", project_refs: shared.map((uuid) => ({ uuid })) } });
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
      {vn && !noRouteTarget(vn) ? null : vn && (
        <p role="status" data-testid="fip-warnings" className="rounded-md border border-warn/40 bg-warn-soft px-3 py-2 text-xs text-warn">
          not reachable from outside: the VN {vn.name} has no route target, so no gateway imports its floating IPs (set one under the network&apos;s Edit)
        </p>
      )}
      <Field label="Name" htmlFor="field-name" error={errors.at("name") ?? errors.at("fq_name")} name="name">
        <Input id="field-name" data-testid="field-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="pool-ns-default" />
      </Field>
      <Field label="Share with projects" hint="None checked: every project may allocate from the pool." error={errors.at("project_refs")} name="share">
        <div className="flex max-h-40 flex-col gap-1 overflow-auto" data-testid="field-share">
          {projects.map((p) => (
            <Checkbox
              key={p.uuid}
              label={p.fq_name.join(":")}
              data-testid={`share-${p.name}`}
              checked={shared.includes(p.uuid)}
              onChange={(e) => setShared((cur) => (e.target.checked ? [...cur, p.uuid] : cur.filter((u) => u !== p.uuid)))}
            />
          ))}
        </div>
      </Field>
    </FormDialog>
  );
}
