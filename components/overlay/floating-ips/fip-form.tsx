"use client";
// Allocate a floating IP from a pool (any free address or a chosen one) for a project, optionally
// associated with a port, with its direction; on edit, change the associated port (or none:
// disassociate) and the direction. From a port's page the port is fixed ("Associate floating IP").
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { parseAddress } from "../../../server/engine/model/net";
import type { ConfigObject } from "../../../server/engine/model/types";
import { errorMessage, FieldErrors, fieldIssues } from "../../../lib/errors";
import { useTRPC } from "../../../lib/trpc";
import { FormDialog } from "../../objects/form-dialog";
import { useTargetProject } from "../../objects/target-project";
import { useConfigList, useCreateObject, useUpdateObject } from "../../objects/use-config";
import { useProject } from "../../project-context";
import { Field } from "../../ui/field";
import { Input } from "../../ui/input";
import { Select } from "../../ui/select";
import { refsOf } from "../ports/port-fields";

export const FIP_DIRECTIONS = [
  { value: "both", label: "Both (default)" },
  { value: "ingress", label: "Ingress: connections from outside only" },
  { value: "egress", label: "Egress: the port's own connections only" },
];

/** Server-side warnings of an object (e.g. its network has no route target). */
export function FipWarnings({ uuid }: { uuid?: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.config.warnings.queryOptions({ uuid: uuid ?? "" }, { enabled: !!uuid }));
  const warnings = q.data?.warnings ?? [];
  if (!warnings.length) return null;
  return (
    <div role="status" data-testid="fip-warnings" className="rounded-md border border-warn/40 bg-warn-soft px-3 py-2 text-xs text-warn">
      {warnings.map((w) => (
        <p key={w}>{w}</p>
      ))}
    </div>
  );
}

export function FloatingIpForm({
  open,
  onOpenChange,
  existing,
  port,
}: {
  open: boolean;
  onOpenChange: (o: boolean) => void;
  existing?: ConfigObject;
  /** the port to associate with (from the port's page) */
  port?: ConfigObject;
}) {
  const { projectOf } = useProject();
  const { project, picker } = useTargetProject(port ? projectOf(port.fq_name)?.uuid : undefined);
  // from a port's page: an address the project already holds (allocated, not associated) or a new one
  const fips = useConfigList("floating-ip", { enabled: !!port && !existing });
  const [fipUuid, setFipUuid] = useState("");
  const pools = useConfigList("floating-ip-pool", { enabled: !existing });
  const ports = useConfigList("virtual-machine-interface", { projectUuid: project?.uuid, enabled: !!project && !port });
  const create = useCreateObject();
  const update = useUpdateObject();
  const [poolUuid, setPoolUuid] = useState("");
  const [address, setAddress] = useState("");
  const [portUuid, setPortUuid] = useState(port?.uuid ?? (existing ? (refsOf(existing, "virtual_machine_interface_refs")[0]?.uuid ?? "") : ""));
  const [direction, setDirection] = useState(String(existing?.floating_ip_direction ?? "both"));
  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");
  // pools the project may use: not shared with anyone in particular, or shared with this project
  const usable = pools.items.filter((p) => {
    const shared = refsOf(p, "project_refs");
    return !project || shared.length === 0 || shared.some((r) => r.uuid === project.uuid) || p.fq_name.slice(0, 2).join(":") === project.fq_name.join(":");
  });
  const pool = usable.find((p) => p.uuid === poolUuid) ?? usable[0];
  const unassociated = fips.items.filter(
    (f) => refsOf(f, "virtual_machine_interface_refs").length === 0 && (!project || refsOf(f, "project_refs").some((r) => r.uuid === project.uuid)),
  );
  const chosen = unassociated.find((f) => f.uuid === fipUuid);

  async function submit() {
    setTopError("");
    const portRefs = portUuid ? [{ uuid: portUuid }] : [];
    try {
      if (chosen && port) {
        await update.mutateAsync({
          type: "floating-ip",
          uuid: chosen.uuid,
          body: { virtual_machine_interface_refs: [{ uuid: port.uuid }], floating_ip_direction: direction, resource_version: chosen.resource_version },
        });
      } else if (existing) {
        await update.mutateAsync({
          type: "floating-ip",
          uuid: existing.uuid,
          body: { virtual_machine_interface_refs: portRefs, floating_ip_direction: direction, resource_version: existing.resource_version },
        });
      } else {
        if (!project) return setTopError("Choose a project you may write in.");
        if (!pool) return setErrors(new FieldErrors([{ field: "parent", message: "there is no floating IP pool shared with this project: create one under Pools (or share one)" }]));
        if (address.trim() && !parseAddress(address.trim()))
          return setErrors(new FieldErrors([{ field: "floating_ip_address", message: `"${address.trim()}" is not a valid IP address` }]));
        await create.mutateAsync({
          type: "floating-ip",
          body: {
            fq_name: [...pool.fq_name, crypto.randomUUID()],
            parent_type: "floating-ip-pool",
            project_refs: [{ uuid: project.uuid }],
            virtual_machine_interface_refs: portRefs,
            floating_ip_direction: direction,
            ...(address.trim() ? { floating_ip_address: address.trim() } : {}),
          },
        });
      }
      onOpenChange(false);
    } catch (e) {
      const fe = new FieldErrors(fieldIssues(e));
      setErrors(fe);
      setTopError(fe.size === 0 || fe.rest(["floating_ip_address", "virtual_machine_interface_refs", "floating_ip_direction"]).length ? errorMessage(e) : "");
    }
  }

  const title = existing ? `Floating IP ${String(existing.floating_ip_address ?? existing.name)}` : port ? `Associate floating IP with ${port.name}` : "Allocate floating IP";
  return (
    <FormDialog
      open={open}
      onOpenChange={onOpenChange}
      title={title}
      submitLabel={existing ? "Save" : port ? "Associate" : "Allocate"}
      busy={create.isPending || update.isPending}
      error={topError}
      onSubmit={submit}
    >
      {!existing && picker}
      {port && !existing && (
        <Field
          label="Floating IP"
          htmlFor="field-fip"
          name="fip"
          hint={unassociated.length ? "An address the project already holds (not associated), or a new one from a pool." : "The project holds no unassociated floating IP: a new one is allocated from the pool."}
        >
          <Select
            id="field-fip"
            data-testid="field-fip"
            value={chosen?.uuid ?? ""}
            onChange={(e) => setFipUuid(e.target.value)}
            options={[
              { value: "", label: "Allocate a new one from a pool" },
              ...unassociated.map((f) => ({ value: f.uuid, label: `${String(f.floating_ip_address ?? f.name)} — ${f.fq_name.slice(-3, -1).join(":")}` })),
            ]}
          />
        </Field>
      )}
      {!existing && !chosen && (
        <>
          <Field label="Pool" htmlFor="field-pool" error={errors.at("parent") ?? errors.at("project_refs") ?? errors.at("project_refs.0")} name="pool">
            <Select id="field-pool" data-testid="field-pool" value={pool?.uuid ?? ""} onChange={(e) => setPoolUuid(e.target.value)} options={usable.map((p) => ({ value: p.uuid, label: p.fq_name.join(":") }))} />
          </Field>
          <FipWarnings uuid={pool?.uuid} />
          <Field label="Address (optional)" htmlFor="field-address" hint="Leave empty for any free address of the pool's network." error={errors.at("floating_ip_address")} name="address">
            <Input id="field-address" mono data-testid="field-address" value={address} onChange={(e) => setAddress(e.target.value)} />
          </Field>
        </>
      )}
      {port ? (
        <Field label="Port" name="port">
          <span className="font-mono text-[13px]" data-testid="field-port-fixed">{port.fq_name.join(":")}</span>
        </Field>
      ) : (
        <Field label="Port" htmlFor="field-port" hint="“Not associated” disassociates it (the address stays allocated)." error={errors.at("virtual_machine_interface_refs") ?? errors.at("virtual_machine_interface_refs.0")} name="port">
          <Select id="field-port" data-testid="field-port" value={portUuid} placeholder="Not associated" onChange={(e) => setPortUuid(e.target.value)} options={ports.items.map((p) => ({ value: p.uuid, label: p.name }))} />
        </Field>
      )}
      <Field label="Direction" htmlFor="field-direction" error={errors.at("floating_ip_direction")} name="direction">
        <Select id="field-direction" data-testid="field-direction" value={direction} onChange={(e) => setDirection(e.target.value)} options={FIP_DIRECTIONS} />
      </Field>
    </FormDialog>
  );
}
