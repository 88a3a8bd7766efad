"use client";
import { useState } from "react";
import { NameSchema } from "../../../server/engine/model/schemas";
import type { ConfigObject } from "../../../server/engine/model/types";
import { errorMessage, FieldErrors, fieldIssues } from "../../../lib/errors";
import { FormDialog } from "../../objects/form-dialog";
import { useTargetProject } from "../../objects/target-project";
import { useCreateObject, useUpdateObject } from "../../objects/use-config";
import { Field } from "../../ui/field";
import { Input } from "../../ui/input";
import { Select } from "../../ui/select";
import { DNS_METHODS, ipamDnsMethod, ipamSubnetMethod, SUBNET_METHODS } from "./ipam-fields";

export function IpamForm({ open, onOpenChange, existing }: { open: boolean; onOpenChange: (o: boolean) => void; existing?: ConfigObject }) {
  const { project, picker } = useTargetProject();
  const create = useCreateObject();
  const update = useUpdateObject();
  const [name, setName] = useState(existing?.name ?? "");
  const [subnetMethod, setSubnetMethod] = useState(existing ? ipamSubnetMethod(existing) : "user-defined-subnet");
  const [dnsMethod, setDnsMethod] = useState(existing ? ipamDnsMethod(existing) : "default-dns-server");
  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");

  async function submit() {
    setTopError("");
    if (!existing) {
      const n = NameSchema.safeParse(name.trim());
      if (!n.success) return setErrors(new FieldErrors([{ field: "name", message: n.error.issues[0].message }]));
      if (!project) return setTopError("Choose a project you may write in.");
    }
    const props = {
      ipam_subnet_method: subnetMethod,
      network_ipam_mgmt: { ...((existing?.network_ipam_mgmt as object | undefined) ?? {}), ipam_dns_method: dnsMethod },
    };
    try {
      if (existing) await update.mutateAsync({ type: "network-ipam", uuid: existing.uuid, body: { ...props, resource_version: existing.resource_version } });
      else await create.mutateAsync({ type: "network-ipam", body: { fq_name: [...project!.fq_name, name.trim()], parent_type: "project", ...props } });
      onOpenChange(false);
    } catch (e) {
      const fe = new FieldErrors(fieldIssues(e));
      setErrors(fe);
      setTopError(fe.rest(["name", "fq_name", "ipam_subnet_method", "network_ipam_mgmt"]).length || fe.size === 0 ? errorMessage(e) : "");
    }
  }

  return (
    <FormDialog
      open={open}
      onOpenChange={onOpenChange}
      title={existing ? `Edit IPAM ${existing.name}` : "Create IPAM"}
      submitLabel={existing ? "Save" : "Create"}
      busy={create.isPending || update.isPending}
      error={topError}
      onSubmit={submit}
    >
      {!existing && picker}
      <Field label="Name" htmlFor="field-name" error={errors.at("name") ?? errors.at("fq_name")} name="name">
        <Input id="field-name" data-testid="field-name" value={name} disabled={!!existing} onChange={(e) => setName(e.target.value)} autoFocus={!existing} />
      </Field>
      <Field label="Subnet method" htmlFor="field-subnet-method" error={errors.at("ipam_subnet_method")}>
        <Select id="field-subnet-method" data-testid="field-subnet-method" value={subnetMethod} onChange={(e) => setSubnetMethod(e.target.value)} options={SUBNET_METHODS} />
      </Field>
      <Field label="DNS method" htmlFor="field-dns-method" error={errors.at("network_ipam_mgmt")}>
        <Select id="field-dns-method" data-testid="field-dns-method" value={dnsMethod} onChange={(e) => setDnsMethod(e.target.value)} options={DNS_METHODS} />
      </Field>
    </FormDialog>
  );
}
