"use client";
// Allocate a floating IP from a pool (optionally a given address) and optionally associate a port;
// on edit, change the associated port.
import { useState } from "react";
import { parseAddress } from "../../../server/engine/model/net";
import type { ConfigObject } from "../../../server/engine/model/types";
import { errorMessage, FieldErrors, fieldIssues } from "../../../lib/errors";
import { FormDialog } from "../../objects/form-dialog";
import { useTargetProject } from "../../objects/target-project";
import { useConfigList, useCreateObject, useUpdateObject } from "../../objects/use-config";
import { Field } from "../../ui/field";
import { Input } from "../../ui/input";
import { Select } from "../../ui/select";
import { refsOf } from "../ports/port-fields";

export function FloatingIpForm({ open, onOpenChange, existing }: { open: boolean; onOpenChange: (o: boolean) => void; existing?: ConfigObject }) {
  const { project, picker } = useTargetProject();
  const pools = useConfigList("floating-ip-pool", { enabled: !existing });
  const ports = useConfigList("virtual-machine-interface", { projectUuid: project?.uuid, enabled: !!project });
  const create = useCreateObject();
  const update = useUpdateObject();
  const [poolUuid, setPoolUuid] = useState("");
  const [address, setAddress] = useState("");
  const [portUuid, setPortUuid] = useState(existing ? (refsOf(existing, "virtual_machine_interface_refs")[0]?.uuid ?? "") : "");
  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");
  const pool = pools.items.find((p) => p.uuid === poolUuid) ?? pools.items[0];

  async function submit() {
    setTopError("");
    const portRefs = portUuid ? [{ uuid: portUuid }] : [];
    try {
      if (existing) {
        await update.mutateAsync({ type: "floating-ip", uuid: existing.uuid, body: { virtual_machine_interface_refs: portRefs, resource_version: existing.resource_version } });
      } else {
        if (!project) return setTopError("Choose a project you may write in.");
        if (!pool) return setErrors(new FieldErrors([{ field: "parent", message: "there is no floating IP pool yet: create one under Pools" }]));
        if (address.trim() && !parseAddress(address.trim()))
          return setErrors(new FieldErrors([{ field: "floating_ip_address", message: `"${address.trim()}" is not a valid IP address` }]));
        await create.mutateAsync({
          type: "floating-ip",
          body: {
            fq_name: [...pool.fq_name, crypto.randomUUID()],
            parent_type: "floating-ip-pool",
            project_refs: [{ uuid: project.uuid }],
            virtual_machine_interface_refs: portRefs,
            ...(address.trim() ? { floating_ip_address: address.trim() } : {}),
          },
        });
      }
      onOpenChange(false);
    } catch (e) {
      const fe = new FieldErrors(fieldIssues(e));
      setErrors(fe);
      setTopError(fe.size === 0 || fe.rest(["floating_ip_address", "virtual_machine_interface_refs"]).length ? errorMessage(e) : "");
    }
  }

  return (
    <FormDialog
      open={open}
      onOpenChange={onOpenChange}
      title={existing ? `Associate floating IP ${String(existing.floating_ip_address ?? existing.name)}` : "Allocate floating IP"}
      submitLabel={existing ? "Save" : "Allocate"}
      busy={create.isPending || update.isPending}
      error={topError}
      onSubmit={submit}
    >
      {!existing && picker}
      {!existing && (
        <>
          <Field label="Pool" htmlFor="field-pool" error={errors.at("parent")} name="pool">
            <Select id="field-pool" data-testid="field-pool" value={pool?.uuid ?? ""} onChange={(e) => setPoolUuid(e.target.value)} options={pools.items.map((p) => ({ value: p.uuid, label: p.fq_name.join(":") }))} />
          </Field>
          <Field label="Address (optional)" htmlFor="field-address" hint="Leave empty for the next free address of the pool's network." error={errors.at("floating_ip_address")} name="address">
            <Input id="field-address" mono data-testid="field-address" value={address} onChange={(e) => setAddress(e.target.value)} />
          </Field>
        </>
      )}
      <Field label="Port" htmlFor="field-port" error={errors.at("virtual_machine_interface_refs")} name="port">
        <Select id="field-port" data-testid="field-port" value={portUuid} placeholder="Not associated" onChange={(e) => setPortUuid(e.target.value)} options={ports.items.map((p) => ({ value: p.uuid, label: p.name }))} />
      </Field>
    </FormDialog>
  );
}
