"use client";
// Create / edit a virtual network: name, IPAM and its subnets, route targets, forwarding mode, flags.
import { Plus, X } from "lucide-react";
import { useMemo, useState } from "react";
import type { ConfigObject } from "../../../server/engine/model/types";
import { errorMessage, FieldErrors, fieldIssues } from "../../../lib/errors";
import { FormDialog } from "../../objects/form-dialog";
import { useTargetProject } from "../../objects/target-project";
import { useConfigList, useCreateObject, useUpdateObject } from "../../objects/use-config";
import { Button } from "../../ui/button";
import { Checkbox } from "../../ui/checkbox";
import { Field } from "../../ui/field";
import { Input, Textarea } from "../../ui/input";
import { Select } from "../../ui/select";
import {
  buildVnBody,
  DEFAULT_IPAM_FQ,
  emptyValues,
  IPAM_REF,
  newSubnetRow,
  subnetPath,
  valuesFromObject,
  type ForwardingMode,
  type SubnetRow,
  type VnFormValues,
} from "./vn-form-model";

const KNOWN = [
  "name",
  "fq_name",
  IPAM_REF,
  "route_target_list",
  "import_route_target_list",
  "export_route_target_list",
  "virtual_network_properties",
  "network_policy_refs",
];

export function VirtualNetworkForm({ open, onOpenChange, existing }: { open: boolean; onOpenChange: (o: boolean) => void; existing?: ConfigObject }) {
  const { project, picker } = useTargetProject();
  const [values, setValues] = useState<VnFormValues>(() => (existing ? valuesFromObject(existing) : emptyValues()));
  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const create = useCreateObject();
  const update = useUpdateObject();
  const ipams = useConfigList("network-ipam");
  const policies = useConfigList("network-policy");

  const projectFq = existing ? existing.fq_name.slice(0, -1) : (project?.fq_name ?? []);
  const ipamOptions = useMemo(() => {
    const own = projectFq.join(":");
    const opts = ipams.items
      .filter((i) => i.fq_name.slice(0, -1).join(":") === own || i.fq_name.join(":") === DEFAULT_IPAM_FQ.join(":"))
      .map((i) => ({ value: i.fq_name.join(":"), label: i.fq_name.join(":") }));
    if (!opts.some((o) => o.value === values.ipamFq)) opts.unshift({ value: values.ipamFq, label: values.ipamFq });
    return opts;
  }, [ipams.items, projectFq, values.ipamFq]);

  // policies of the network's project, plus any already attached from elsewhere
  const policyOptions = useMemo(() => {
    const own = projectFq.join(":");
    const list = policies.items.filter((p) => p.fq_name.slice(0, -1).join(":") === own).map((p) => p.fq_name.join(":"));
    for (const fq of values.policies) if (!list.includes(fq)) list.push(fq);
    return list.sort();
  }, [policies.items, projectFq, values.policies]);

  function set<K extends keyof VnFormValues>(k: K, v: VnFormValues[K]) {
    const next = { ...values, [k]: v };
    setValues(next);
    // after a first submit, errors follow the typing so a fixed field clears at once
    if (submitted) setErrors(new FieldErrors(buildVnBody(next, { projectFq, existing }).issues));
  }
  function setRow(i: number, patch: Partial<SubnetRow>) {
    set(
      "subnets",
      values.subnets.map((r, j) => (j === i ? { ...r, ...patch } : r)),
    );
  }

  async function submit() {
    setSubmitted(true);
    setTopError("");
    const { body, issues } = buildVnBody(values, { projectFq, existing });
    setErrors(new FieldErrors(issues));
    if (!existing && !project) setTopError("Choose a project you may write in.");
    if (issues.length || (!existing && !project)) return;
    try {
      if (existing) await update.mutateAsync({ type: "virtual-network", uuid: existing.uuid, body });
      else await create.mutateAsync({ type: "virtual-network", body });
      onOpenChange(false);
    } catch (e) {
      const fe = new FieldErrors(fieldIssues(e));
      setErrors(fe);
      const unclaimed = fe.rest(KNOWN);
      setTopError(fe.size === 0 ? errorMessage(e) : unclaimed.length ? unclaimed.map((i) => `${i.field}: ${i.message}`).join("; ") : "The controller refused some fields: see the messages below.");
    }
  }

  return (
    <FormDialog
      open={open}
      onOpenChange={onOpenChange}
      title={existing ? `Edit virtual network ${existing.name}` : "Create virtual network"}
      description={existing ? existing.fq_name.join(":") : project ? `in ${project.fq_name.join(":")}` : undefined}
      submitLabel={existing ? "Save" : "Create"}
      busy={create.isPending || update.isPending}
      error={topError}
      onSubmit={submit}
      wide
    >
      {!existing && picker}
      <div className="grid grid-cols-2 gap-4">
        <Field label="Name" htmlFor="field-name" error={errors.at("name") ?? errors.at("fq_name")} name="name">
          <Input
            id="field-name"
            name="name"
            data-testid="field-name"
            value={values.name}
            onChange={(e) => set("name", e.target.value)}
            disabled={!!existing}
            invalid={!!(errors.at("name") ?? errors.at("fq_name"))}
            autoFocus={!existing}
            placeholder="vn-blue"
          />
        </Field>
        <Field label="IPAM" htmlFor="field-ipam" error={errors.at(`${IPAM_REF}.to`) ?? errors.at(`${IPAM_REF}.uuid`)} name="ipam">
          <Select id="field-ipam" data-testid="field-ipam" value={values.ipamFq} onChange={(e) => set("ipamFq", e.target.value)} options={ipamOptions} />
        </Field>
      </div>

      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1 text-xs font-medium text-muted">Subnets</legend>
        <div className="grid grid-cols-[1.3fr_1fr_1fr_1.6fr_auto_auto] gap-2 text-[11px] text-faint">
          <span>CIDR</span>
          <span>Gateway (optional)</span>
          <span>DNS server (optional)</span>
          <span>Allocation pools (start-end)</span>
          <span>From start</span>
          <span />
        </div>
        {values.subnets.map((row, i) => {
          const p = subnetPath(i);
          const rowError = errors.under(p, [`${p}.subnet`, `${p}.default_gateway`, `${p}.dns_server_address`, `${p}.allocation_pools`]);
          return (
            <div key={row.key} className="flex flex-col gap-1" data-testid={`subnet-row-${i}`}>
              <div className="grid grid-cols-[1.3fr_1fr_1fr_1.6fr_auto_auto] items-start gap-2">
                <Field error={errors.at(`${p}.subnet`)} name={`subnet-cidr-${i}`}>
                  <Input mono aria-label={`Subnet ${i + 1} CIDR`} data-testid={`subnet-cidr-${i}`} placeholder="10.0.0.0/24" value={row.cidr} invalid={!!errors.at(`${p}.subnet`)} onChange={(e) => setRow(i, { cidr: e.target.value })} />
                </Field>
                <Field error={errors.at(`${p}.default_gateway`)} name={`subnet-gateway-${i}`}>
                  <Input mono aria-label={`Subnet ${i + 1} gateway`} data-testid={`subnet-gateway-${i}`} placeholder="default" value={row.gateway} invalid={!!errors.at(`${p}.default_gateway`)} onChange={(e) => setRow(i, { gateway: e.target.value })} />
                </Field>
                <Field error={errors.at(`${p}.dns_server_address`)} name={`subnet-dns-${i}`}>
                  <Input mono aria-label={`Subnet ${i + 1} DNS server`} data-testid={`subnet-dns-${i}`} placeholder="default" value={row.dns} invalid={!!errors.at(`${p}.dns_server_address`)} onChange={(e) => setRow(i, { dns: e.target.value })} />
                </Field>
                <Field error={errors.at(`${p}.allocation_pools`)} name={`subnet-pools-${i}`}>
                  <Input mono aria-label={`Subnet ${i + 1} allocation pools`} data-testid={`subnet-pools-${i}`} placeholder="10.0.0.10-10.0.0.99" value={row.pools} invalid={!!errors.at(`${p}.allocation_pools`)} onChange={(e) => setRow(i, { pools: e.target.value })} />
                </Field>
                <div className="flex h-8 items-center justify-center">
                  <Checkbox aria-label={`Subnet ${i + 1}: allocate from start`} data-testid={`subnet-from-start-${i}`} checked={row.addrFromStart} onChange={(e) => setRow(i, { addrFromStart: e.target.checked })} />
                </div>
                <Button size="icon" variant="ghost" aria-label={`Remove subnet ${i + 1}`} onClick={() => set("subnets", values.subnets.filter((_, j) => j !== i))}>
                  <X className="h-3.5 w-3.5" />
                </Button>
              </div>
              {rowError && <p role="alert" className="text-xs text-danger">{rowError}</p>}
            </div>
          );
        })}
        <div>
          <Button size="sm" variant="ghost" data-testid="add-subnet" onClick={() => set("subnets", [...values.subnets, newSubnetRow()])}>
            <Plus className="h-3.5 w-3.5" /> Add subnet
          </Button>
        </div>
        <p className="text-xs text-faint">
          Without a gateway or DNS server the controller takes Contrail&apos;s defaults from the end of the subnet; addresses are allocated from the end unless “From start” is ticked.
        </p>
      </fieldset>

      <div className="grid grid-cols-3 gap-4">
        <Field label="Route targets" htmlFor="field-rt" hint="target:64512:100, comma separated" error={errors.at("route_target_list")} name="route_target_list">
          <Textarea id="field-rt" mono rows={2} data-testid="field-route-targets" value={values.routeTargets} invalid={!!errors.at("route_target_list")} onChange={(e) => set("routeTargets", e.target.value)} />
        </Field>
        <Field label="Import route targets" htmlFor="field-irt" error={errors.at("import_route_target_list")} name="import_route_target_list">
          <Textarea id="field-irt" mono rows={2} data-testid="field-import-route-targets" value={values.importRouteTargets} invalid={!!errors.at("import_route_target_list")} onChange={(e) => set("importRouteTargets", e.target.value)} />
        </Field>
        <Field label="Export route targets" htmlFor="field-ert" error={errors.at("export_route_target_list")} name="export_route_target_list">
          <Textarea id="field-ert" mono rows={2} data-testid="field-export-route-targets" value={values.exportRouteTargets} invalid={!!errors.at("export_route_target_list")} onChange={(e) => set("exportRouteTargets", e.target.value)} />
        </Field>
      </div>

      <Field
        label="Network policies"
        error={errors.at("network_policy_refs")}
        name="network_policy_refs"
        hint="Applied in the order ticked (sequence 0, 1, …). A policy that passes traffic between two networks must be attached to both for their routes to leak."
      >
        <div className="flex max-h-36 flex-col gap-1 overflow-auto rounded-md border border-line-strong p-2" data-testid="field-policies">
          {policyOptions.length === 0 && <span className="text-xs text-faint">No network policies in this project yet: create one under Overlay › Policies.</span>}
          {policyOptions.map((fq) => {
            const i = values.policies.indexOf(fq);
            return (
              <label key={fq} className="flex cursor-pointer items-center gap-2 text-[13px]">
                <Checkbox
                  aria-label={`Attach ${fq}`}
                  data-testid={`policy-${fq.split(":").pop()}`}
                  checked={i >= 0}
                  onChange={(e) => set("policies", e.target.checked ? [...values.policies, fq] : values.policies.filter((p) => p !== fq))}
                />
                <span className="font-mono text-xs">{fq}</span>
                {i >= 0 && <span className="text-[11px] text-faint tabular-nums">sequence {i}</span>}
              </label>
            );
          })}
        </div>
      </Field>

      <div className="grid grid-cols-3 items-end gap-4">
        <Field label="Forwarding mode" htmlFor="field-fwd" error={errors.at("virtual_network_properties")} name="forwarding_mode">
          <Select
            id="field-fwd"
            data-testid="field-forwarding-mode"
            value={values.forwardingMode}
            onChange={(e) => set("forwardingMode", e.target.value as ForwardingMode)}
            placeholder="Default (L2 and L3)"
            options={[
              { value: "l2_l3", label: "L2 and L3" },
              { value: "l3", label: "L3 only" },
              { value: "l2", label: "L2 only" },
            ]}
          />
        </Field>
        <Checkbox label="Shared with all projects" data-testid="field-shared" checked={values.shared} onChange={(e) => set("shared", e.target.checked)} className="h-8" />
        <Checkbox label="External (router external)" data-testid="field-external" checked={values.external} onChange={(e) => set("external", e.target.checked)} className="h-8" />
      </div>
    </FormDialog>
  );
}
