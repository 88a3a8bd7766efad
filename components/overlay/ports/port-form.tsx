"use client";
// Create a port: the virtual-machine-interface, then an instance-ip on it (the address comes from
// the network's IPAM unless a fixed one is given). If the second step fails the port stays and a
// retry only adds the address.
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { parseAddress } from "../../../server/engine/model/net";
import { NameSchema } from "../../../server/engine/model/schemas";
import type { ConfigObject } from "../../../server/engine/model/types";
import { errorMessage, FieldErrors, fieldIssues, type FieldIssue } from "../../../lib/errors";
import { useTRPC } from "../../../lib/trpc";
import { FormDialog } from "../../objects/form-dialog";
import { useTargetProject } from "../../objects/target-project";
import { useConfigList, useCreateObject } from "../../objects/use-config";
import { Checkbox } from "../../ui/checkbox";
import { Field } from "../../ui/field";
import { Input } from "../../ui/input";
import { Select } from "../../ui/select";
import { bindingsWithHost } from "./port-fields";

const randomSuffix = () => Math.random().toString(36).slice(2, 8);

export function PortForm({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const { project, picker } = useTargetProject();
  const vns = useConfigList("virtual-network", { projectUuid: project?.uuid, enabled: !!project });
  const sgs = useConfigList("security-group", { projectUuid: project?.uuid, enabled: !!project });
  const create = useCreateObject();
  const trpc = useTRPC();
  const nodes = useQuery(trpc.infra.computeNodes.queryOptions());

  const [name, setName] = useState("");
  const [host, setHost] = useState("");
  const [vnUuid, setVnUuid] = useState("");
  const [sgPicked, setSgPicked] = useState<Set<string> | null>(null);
  const [fixedIp, setFixedIp] = useState("");
  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");
  const [created, setCreated] = useState<ConfigObject | null>(null);

  // until the user touches the list, the project's "default" security group is selected
  const selectedSgs = useMemo(() => sgPicked ?? new Set(sgs.items.filter((s) => s.name === "default").map((s) => s.uuid)), [sgPicked, sgs.items]);
  const network = vnUuid || vns.items[0]?.uuid || "";

  function toggleSg(uuid: string, on: boolean) {
    const next = new Set(selectedSgs);
    if (on) next.add(uuid);
    else next.delete(uuid);
    setSgPicked(next);
  }

  function check(): FieldIssue[] {
    const issues: FieldIssue[] = [];
    if (!created) {
      const n = NameSchema.safeParse(name.trim());
      if (!n.success) issues.push({ field: "name", message: n.error.issues[0].message });
    }
    if (!network) issues.push({ field: "virtual_network_refs", message: "choose a network (create one first if the project has none)" });
    if (fixedIp.trim() && !parseAddress(fixedIp.trim())) issues.push({ field: "instance_ip_address", message: `"${fixedIp.trim()}" is not a valid IP address` });
    return issues;
  }

  async function submit() {
    setTopError("");
    if (!project) return setTopError("Choose a project you may write in.");
    const issues = check();
    setErrors(new FieldErrors(issues));
    if (issues.length) return;
    let port = created;
    try {
      if (!port) {
        port = (await create.mutateAsync({
          type: "virtual-machine-interface",
          body: {
            fq_name: [...project.fq_name, name.trim()],
            parent_type: "project",
            virtual_network_refs: [{ uuid: network }],
            security_group_refs: [...selectedSgs].map((uuid) => ({ uuid })),
            ...(host ? { virtual_machine_interface_bindings: bindingsWithHost(undefined, host) } : {}),
          },
        })) as ConfigObject;
        setCreated(port);
      }
      await create.mutateAsync({
        type: "instance-ip",
        body: {
          fq_name: [`${port.name}-ip-${randomSuffix()}`],
          virtual_network_refs: [{ uuid: network }],
          virtual_machine_interface_refs: [{ uuid: port.uuid }],
          ...(fixedIp.trim() ? { instance_ip_address: fixedIp.trim() } : {}),
        },
      });
      onOpenChange(false);
    } catch (e) {
      const fe = new FieldErrors(fieldIssues(e));
      setErrors(fe);
      const prefix = port ? `Port ${port.name} was created but has no address yet: ` : "";
      const unclaimed = fe.rest(["name", "fq_name", "virtual_network_refs", "security_group_refs", "instance_ip_address", "virtual_machine_interface_bindings"]);
      setTopError(prefix + (fe.size === 0 || unclaimed.length ? errorMessage(e) : "see the fields below.") + (port ? " Save again to retry the address." : ""));
    }
  }

  const netError = errors.at("virtual_network_refs");
  return (
    <FormDialog
      open={open}
      onOpenChange={onOpenChange}
      title="Create port"
      description={project ? `in ${project.fq_name.join(":")}` : undefined}
      submitLabel={created ? "Retry address" : "Create"}
      busy={create.isPending}
      error={topError}
      onSubmit={submit}
    >
      {picker}
      <Field label="Name" htmlFor="field-name" error={errors.at("name") ?? errors.at("fq_name")} name="name">
        <Input id="field-name" data-testid="field-name" value={name} disabled={!!created} onChange={(e) => setName(e.target.value)} placeholder="vm1-eth0" autoFocus />
      </Field>
      <Field
        label="Network"
        htmlFor="field-network"
        error={netError}
        name="network"
        hint={vns.items.length === 0 && !vns.isLoading ? "This project has no virtual network yet: create one first." : undefined}
      >
        <Select
          id="field-network"
          data-testid="field-network"
          value={network}
          disabled={!!created}
          invalid={!!netError}
          onChange={(e) => setVnUuid(e.target.value)}
          options={vns.items.map((v) => ({ value: v.uuid, label: v.name }))}
        />
      </Field>
      <ComputeNodeField value={host} onChange={setHost} nodes={nodes.data ?? []} disabled={!!created} error={errors.at("virtual_machine_interface_bindings")} />
      <Field label="Security groups" error={errors.at("security_group_refs")} name="security_groups">
        <div className="flex max-h-32 flex-col gap-1 overflow-auto rounded-md border border-line-strong p-2" data-testid="field-security-groups">
          {sgs.items.length === 0 && <span className="text-xs text-faint">No security groups in this project.</span>}
          {sgs.items.map((s) => (
            <Checkbox
              key={s.uuid}
              label={s.name}
              data-testid={`sg-${s.name}`}
              checked={selectedSgs.has(s.uuid)}
              disabled={!!created}
              onChange={(e) => toggleSg(s.uuid, e.target.checked)}
            />
          ))}
        </div>
      </Field>
      <Field label="Fixed IP (optional)" htmlFor="field-fixed-ip" hint="Leave empty to get the next free address of the network's subnet." error={errors.at("instance_ip_address")} name="fixed_ip">
        <Input id="field-fixed-ip" mono data-testid="field-fixed-ip" value={fixedIp} invalid={!!errors.at("instance_ip_address")} onChange={(e) => setFixedIp(e.target.value)} placeholder="10.0.0.5" />
      </Field>
    </FormDialog>
  );
}

/** Where the port runs: a compute node (binding host_id), or none (the port is configured only). */
export function ComputeNodeField({
  value,
  onChange,
  nodes,
  disabled,
  error,
  required,
}: {
  value: string;
  onChange: (v: string) => void;
  nodes: { name: string; state: string }[];
  disabled?: boolean;
  error?: string;
  required?: boolean;
}) {
  return (
    <Field
      label={required ? "Compute node" : "Compute node (optional)"}
      htmlFor="field-compute-node"
      error={error}
      name="compute_node"
      hint="The vRouter agent hosting the port (binding host_id): it announces the port's address and forwards its traffic."
    >
      <Select
        id="field-compute-node"
        data-testid="field-compute-node"
        value={value}
        disabled={disabled}
        invalid={!!error}
        onChange={(e) => onChange(e.target.value)}
        placeholder={required ? undefined : "Not bound"}
        options={nodes.map((n) => ({ value: n.name, label: `${n.name} (${n.state})` }))}
      />
    </Field>
  );
}
