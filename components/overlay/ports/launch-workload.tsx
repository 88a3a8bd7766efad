"use client";
// Launch workload: one action for what Nova/kubelet do in Contrail — a virtual-machine, its port
// (virtual-machine-interface) on a network, bound to a compute node, and the port's instance IP.
// Each step that succeeded is kept; a retry continues from the step that failed.
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
import { Field } from "../../ui/field";
import { Input } from "../../ui/input";
import { Select } from "../../ui/select";
import { bindingsWithHost } from "./port-fields";
import { ComputeNodeField } from "./port-form";

const randomSuffix = () => Math.random().toString(36).slice(2, 8);

export function LaunchWorkloadDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const trpc = useTRPC();
  const { project, picker } = useTargetProject();
  const vns = useConfigList("virtual-network", { projectUuid: project?.uuid, enabled: !!project });
  const sgs = useConfigList("security-group", { projectUuid: project?.uuid, enabled: !!project });
  const nodes = useQuery(trpc.infra.computeNodes.queryOptions());
  const create = useCreateObject();

  const [name, setName] = useState("");
  const [vnUuid, setVnUuid] = useState("");
  const [host, setHost] = useState("");
  const [fixedIp, setFixedIp] = useState("");
  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");
  const [vm, setVm] = useState<ConfigObject | null>(null);
  const [port, setPort] = useState<ConfigObject | null>(null);

  const network = vnUuid || vns.items[0]?.uuid || "";
  const upNodes = useMemo(() => nodes.data ?? [], [nodes.data]);
  const node = host || upNodes.find((n) => n.state === "Up")?.name || upNodes[0]?.name || "";
  const defaultSg = sgs.items.find((s) => s.name === "default");

  function check(): FieldIssue[] {
    const issues: FieldIssue[] = [];
    if (!vm) {
      const n = NameSchema.safeParse(name.trim());
      if (!n.success) issues.push({ field: "name", message: n.error.issues[0].message });
    }
    if (!network) issues.push({ field: "virtual_network_refs", message: "choose a network (create one first if the project has none)" });
    if (!node) issues.push({ field: "virtual_machine_interface_bindings", message: "choose the compute node to run on" });
    if (fixedIp.trim() && !parseAddress(fixedIp.trim())) issues.push({ field: "instance_ip_address", message: `"${fixedIp.trim()}" is not a valid IP address` });
    return issues;
  }

  async function submit() {
    setTopError("");
    if (!project) return setTopError("Choose a project you may write in.");
    const issues = check();
    setErrors(new FieldErrors(issues));
    if (issues.length) return;
    const workload = name.trim();
    let step = "virtual machine";
    let v = vm;
    let p = port;
    try {
      if (!v) {
        v = (await create.mutateAsync({ type: "virtual-machine", body: { fq_name: [workload], server_type: "container" } })) as ConfigObject;
        setVm(v);
      }
      step = "port";
      if (!p) {
        p = (await create.mutateAsync({
          type: "virtual-machine-interface",
          body: {
            fq_name: [...project.fq_name, `${v.name}-eth0`],
            parent_type: "project",
            virtual_network_refs: [{ uuid: network }],
            virtual_machine_refs: [{ uuid: v.uuid }],
            security_group_refs: defaultSg ? [{ uuid: defaultSg.uuid }] : [],
            virtual_machine_interface_bindings: bindingsWithHost(undefined, node),
          },
        })) as ConfigObject;
        setPort(p);
      }
      step = "instance IP";
      await create.mutateAsync({
        type: "instance-ip",
        body: {
          fq_name: [`${p.name}-ip-${randomSuffix()}`],
          virtual_network_refs: [{ uuid: network }],
          virtual_machine_interface_refs: [{ uuid: p.uuid }],
          ...(fixedIp.trim() ? { instance_ip_address: fixedIp.trim() } : {}),
        },
      });
      onOpenChange(false);
    } catch (e) {
      const fe = new FieldErrors(fieldIssues(e).map((i) => (step === "virtual machine" && (i.field === "fq_name" || i.field === "name") ? { ...i, field: "name" } : i)));
      setErrors(fe);
      const done = [v ? `virtual machine ${v.name}` : "", p ? `port ${p.name}` : ""].filter(Boolean);
      setTopError(`Creating the ${step} failed: ${errorMessage(e)}${done.length ? ` (${done.join(" and ")} exist; Launch again to continue)` : ""}`);
    }
  }

  const netError = errors.at("virtual_network_refs");
  return (
    <FormDialog
      open={open}
      onOpenChange={onOpenChange}
      title="Launch workload"
      description={project ? `A container with one port, in ${project.fq_name.join(":")}` : undefined}
      submitLabel={vm ? "Continue" : "Launch"}
      busy={create.isPending}
      error={topError}
      onSubmit={submit}
    >
      {picker}
      <Field label="Workload name" htmlFor="field-workload-name" error={errors.at("name") ?? errors.at("fq_name")} name="name" hint={name.trim() ? `creates virtual machine ${name.trim()} and port ${name.trim()}-eth0` : "names the virtual machine; its port is <name>-eth0"}>
        <Input id="field-workload-name" data-testid="field-name" value={name} disabled={!!vm} onChange={(e) => setName(e.target.value)} placeholder="web-1" autoFocus />
      </Field>
      <Field label="Network" htmlFor="field-workload-network" error={netError} name="network" hint={vns.items.length === 0 && !vns.isLoading ? "This project has no virtual network yet: create one first." : undefined}>
        <Select
          id="field-workload-network"
          data-testid="field-network"
          value={network}
          disabled={!!port}
          invalid={!!netError}
          onChange={(e) => setVnUuid(e.target.value)}
          options={vns.items.map((v) => ({ value: v.uuid, label: v.name }))}
        />
      </Field>
      <ComputeNodeField value={node} onChange={setHost} nodes={upNodes} disabled={!!port} error={errors.at("virtual_machine_interface_bindings")} required />
      <Field label="Fixed IP (optional)" htmlFor="field-workload-ip" hint="Leave empty to get the next free address of the network's subnet." error={errors.at("instance_ip_address")} name="fixed_ip">
        <Input id="field-workload-ip" mono data-testid="field-fixed-ip" value={fixedIp} invalid={!!errors.at("instance_ip_address")} onChange={(e) => setFixedIp(e.target.value)} placeholder="10.0.0.5" />
      </Field>
    </FormDialog>
  );
}
