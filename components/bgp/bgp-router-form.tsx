"use client";
// Create / edit a BGP router with Contrail Command's fields (seed 001, "BGP Router > Create") and
// its associated peers. The local control node opens the same form: there it sets the speaker's
// own ASN, router ID, families and listen address/port. Before saving, bgp.check says what would
// keep the session from coming up (ASN / family mismatch); the warnings stand at their fields and
// the save can still go ahead.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { BGP_FAMILIES, BgpRouterParametersSchema, NameSchema } from "../../server/engine/model/schemas";
import type { ConfigObject } from "../../server/engine/model/types";
import { errorMessage, FieldErrors, fieldIssues, zodIssues, type FieldIssue } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { FormDialog } from "../objects/form-dialog";
import { useConfigList, useCreateObject, useInvalidateConfig, useUpdateObject } from "../objects/use-config";
import { Badge } from "../ui/badge";
import { Checkbox } from "../ui/checkbox";
import { Field } from "../ui/field";
import { Input } from "../ui/input";
import { Select } from "../ui/select";
import { FABRIC_INSTANCE, FAMILY_HINT, FORM_ROUTER_TYPES, formValues, isSupportedFamily, paramsFromForm, paramsOf, peerWrites, refsOf, type BgpFormValues } from "./bgp-fields";

const P = "bgp_router_parameters";

/** Warning under a field: the save is still allowed. */
function Warning({ text, name }: { text?: string; name: string }) {
  if (!text) return null;
  return (
    <p data-testid={`warning-${name}`} className="rounded border border-warn/40 bg-warn-soft px-2 py-1 text-xs text-warn">
      {text}
    </p>
  );
}

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function BgpRouterForm({ open, onOpenChange, existing }: { open: boolean; onOpenChange: (o: boolean) => void; existing?: ConfigObject }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const all = useConfigList("bgp-router");
  const views = useQuery(trpc.bgp.routers.queryOptions());
  const localUuid = views.data?.find((r) => r.isLocal)?.uuid;
  const local = all.items.find((o) => o.uuid === localUuid);
  const isLocal = !!existing && existing.uuid === localUuid;
  const create = useCreateObject();
  const update = useUpdateObject();
  const invalidate = useInvalidateConfig();

  const [values, setValues] = useState<BgpFormValues | null>(null);
  // the form starts once the routers are loaded (the default associated peer is the control node)
  const ready = !all.isLoading && !views.isLoading;
  useEffect(() => {
    if (ready && !values) setValues(formValues(existing, all.items, local));
  }, [ready, values, existing, all.items, local]);
  const v = values ?? formValues(existing, [], undefined);
  const set = <K extends keyof BgpFormValues>(k: K, val: BgpFormValues[K]) => setValues({ ...v, [k]: val });

  const [errors, setErrors] = useState<FieldErrors>(FieldErrors.empty);
  const [topError, setTopError] = useState("");
  const [busy, setBusy] = useState(false);
  /** the values whose warnings the user has seen: a second Save goes ahead */
  const [acknowledged, setAcknowledged] = useState("");

  const checkInput = useMemo(() => {
    const asn = v.asn.trim() === "" ? undefined : Number(v.asn);
    return { asn: Number.isFinite(asn) ? asn : undefined, families: v.families, address: v.address.trim() || undefined };
  }, [v.asn, v.families, v.address]);
  const checkKey = JSON.stringify(checkInput);
  const debounced = useDebounced(checkInput, 300);
  const liveCheck = useQuery(trpc.bgp.check.queryOptions(debounced, { enabled: open && ready && !isLocal && v.routerType !== "control-node" }));
  const warnings = isLocal || v.routerType === "control-node" ? [] : (liveCheck.data ?? []);
  const warningAt = (field: string) => warnings.filter((w) => w.field === field).map((w) => w.message).join("; ") || undefined;
  const generalWarnings = warnings.filter((w) => !["autonomous_system", "address_families", "address", "auth_data"].includes(w.field));

  function validate(): FieldIssue[] {
    const issues: FieldIssue[] = [];
    if (!existing) {
      const n = NameSchema.safeParse(v.name.trim());
      if (!n.success) issues.push({ field: "name", message: n.error.issues[0].message });
    }
    if (!v.address.trim()) issues.push({ field: `${P}.address`, message: "enter the router's IPv4 address, e.g. 192.0.2.1" });
    const numeric: [keyof BgpFormValues, string, string][] = [
      ["asn", "autonomous_system", "AS number"],
      ["port", "port", "port"],
      ["sourcePort", "source_port", "source port"],
      ["holdTime", "hold_time", "hold time"],
      ["maxPrefixes", "max_prefixes", "max prefixes"],
    ];
    for (const [k, field, label] of numeric) {
      const s = String(v[k]).trim();
      if (s !== "" && !/^\d+$/.test(s)) issues.push({ field: `${P}.${field}`, message: `${label}: "${s}" is not a whole number` });
    }
    if (v.families.length === 0) issues.push({ field: `${P}.address_families`, message: "pick at least one address family (Weft's speaker carries inet and inet-vpn)" });
    if (issues.length) return issues;
    const parsed = BgpRouterParametersSchema.safeParse(paramsFromForm(v, existing));
    if (!parsed.success) issues.push(...zodIssues(parsed.error, P));
    return issues;
  }

  async function submit() {
    setTopError("");
    const issues = validate();
    setErrors(new FieldErrors(issues));
    if (issues.length) return;
    if (!isLocal && v.routerType !== "control-node" && acknowledged !== checkKey) {
      try {
        const found = await queryClient.fetchQuery({ ...trpc.bgp.check.queryOptions(checkInput), staleTime: 0 });
        queryClient.setQueryData(trpc.bgp.check.queryKey(checkInput), found);
        if (found.length > 0) {
          setAcknowledged(checkKey);
          setTopError("");
          return;
        }
      } catch {
        // the check only advises: a failed check does not block the save
      }
    }
    setBusy(true);
    let step = "router";
    try {
      const params = paramsFromForm(v, existing);
      const writes = peerWrites(all.items, existing?.uuid ?? null, { routerType: v.routerType, families: v.families, refs: existing ? refsOf(existing) : [] }, v.peers);
      if (existing) {
        await update.mutateAsync({ type: "bgp-router", uuid: existing.uuid, body: { [P]: params, bgp_router_refs: writes.refs, resource_version: existing.resource_version } });
      } else {
        const parent = local ? local.fq_name.slice(0, -1) : FABRIC_INSTANCE;
        await create.mutateAsync({ type: "bgp-router", body: { fq_name: [...parent, v.name.trim()], parent_type: "routing-instance", [P]: params, bgp_router_refs: writes.refs } });
      }
      step = "peers";
      for (const o of writes.others) {
        await update.mutateAsync({ type: "bgp-router", uuid: o.object.uuid, body: { bgp_router_refs: o.refs, resource_version: o.object.resource_version } });
      }
      await Promise.all([invalidate(), queryClient.invalidateQueries({ queryKey: trpc.bgp.pathKey() })]);
      onOpenChange(false);
    } catch (e) {
      const fe = new FieldErrors(fieldIssues(e).map((i) => (i.field === "fq_name" ? { ...i, field: "name" } : i)));
      setErrors(fe);
      const claimed = fe.rest(["name", P, "bgp_router_refs"]);
      setTopError(step === "peers" ? `The router was saved, but updating an associated peer failed: ${errorMessage(e)}` : claimed.length || fe.size === 0 ? errorMessage(e) : "");
    } finally {
      setBusy(false);
    }
  }

  const others = all.items.filter((o) => o.uuid !== existing?.uuid).sort((a, b) => a.name.localeCompare(b.name));
  const err = (f: string) => errors.at(`${P}.${f}`);
  const isControl = v.routerType === "control-node";
  const pendingAck = acknowledged === checkKey && warnings.length > 0;

  return (
    <FormDialog
      open={open}
      onOpenChange={onOpenChange}
      wide
      title={existing ? (isLocal ? `This control node's BGP: ${existing.name}` : `Edit BGP router ${existing.name}`) : "Create BGP router"}
      description={
        isLocal
          ? "The speaker of this control node: its AS, router ID, families and listen address/port. Peers see these in its OPEN."
          : "A BGP peer of the control node (a gateway, another control node). Associate the control node under Associated peers, or no session is started."
      }
      submitLabel={pendingAck ? "Save anyway" : existing ? "Save" : "Create"}
      busy={busy || !ready}
      error={topError}
      onSubmit={submit}
    >
      {pendingAck && (
        <div role="status" data-testid="check-warnings" className="rounded-md border border-warn/40 bg-warn-soft px-3 py-2 text-xs text-warn">
          The controller sees {warnings.length === 1 ? "a problem" : `${warnings.length} problems`} with these settings (below, at the fields). Save anyway, or change them.
        </div>
      )}
      {generalWarnings.map((w) => (
        <Warning key={w.message} text={w.message} name="general" />
      ))}

      <div className="grid grid-cols-3 gap-4">
        <Field label="Name" htmlFor="bgp-name" error={errors.at("name")} name="name" hint={existing ? "names cannot be changed" : "e.g. gw1; the FQ name is …:ip-fabric:__default__:<name>"}>
          <Input id="bgp-name" data-testid="field-name" value={v.name} disabled={!!existing} invalid={!!errors.at("name")} onChange={(e) => set("name", e.target.value)} autoFocus={!existing} />
        </Field>
        <Field label="Vendor" htmlFor="bgp-vendor" error={err("vendor")} name="vendor" hint="free text: juniper, cisco, gobgp, contrail…">
          <Input id="bgp-vendor" data-testid="field-vendor" value={v.vendor} onChange={(e) => set("vendor", e.target.value)} />
        </Field>
        <Field label="Router type" htmlFor="bgp-type" error={err("router_type")} name="router_type" hint={isLocal ? "this control node itself" : undefined}>
          <Select id="bgp-type" data-testid="field-router-type" value={v.routerType} disabled={isLocal} onChange={(e) => set("routerType", e.target.value)} options={FORM_ROUTER_TYPES} />
        </Field>

        <Field label={isLocal ? "IP address (listen)" : "IP address"} htmlFor="bgp-address" error={err("address")} name="address" hint={isLocal ? "WEFT_CONTROL_ADDRESS overrides it at start" : "where the session goes (IPv4)"}>
          <Input id="bgp-address" mono data-testid="field-address" value={v.address} invalid={!!err("address")} onChange={(e) => set("address", e.target.value)} placeholder="192.0.2.1" />
          <Warning text={warningAt("address")} name="address" />
        </Field>
        <Field label="Router ID" htmlFor="bgp-identifier" error={err("identifier")} name="identifier" hint="BGP identifier; empty = the address">
          <Input id="bgp-identifier" mono data-testid="field-identifier" value={v.identifier} invalid={!!err("identifier")} onChange={(e) => set("identifier", e.target.value)} placeholder={v.address || "192.0.2.1"} />
        </Field>
        <Field label="Autonomous system (ASN)" htmlFor="bgp-asn" error={err("autonomous_system")} name="autonomous_system" hint="1–4294967295 (4-octet AS, RFC 6793)">
          <Input id="bgp-asn" mono inputMode="numeric" data-testid="field-asn" value={v.asn} invalid={!!err("autonomous_system")} onChange={(e) => set("asn", e.target.value)} />
          <Warning text={warningAt("autonomous_system")} name="autonomous_system" />
        </Field>

        <Field label={isLocal ? "BGP port (listen)" : "BGP port"} htmlFor="bgp-port" error={err("port")} name="port" hint={isLocal ? "WEFT_BGP_PORT overrides it at start" : "the peer's port, 179 by default"}>
          <Input id="bgp-port" mono inputMode="numeric" data-testid="field-port" value={v.port} invalid={!!err("port")} onChange={(e) => set("port", e.target.value)} />
        </Field>
        {!isControl && (
          <Field label="Source port" htmlFor="bgp-source-port" error={err("source_port")} name="source_port" hint="local port of outgoing connections; empty = any">
            <Input id="bgp-source-port" mono inputMode="numeric" data-testid="field-source-port" value={v.sourcePort} invalid={!!err("source_port")} onChange={(e) => set("sourcePort", e.target.value)} />
          </Field>
        )}
        <Field label="Hold time (s)" htmlFor="bgp-hold" error={err("hold_time")} name="hold_time" hint="0 or 3–65535; the lower of both ends is used">
          <Input id="bgp-hold" mono inputMode="numeric" data-testid="field-hold-time" value={v.holdTime} invalid={!!err("hold_time")} onChange={(e) => set("holdTime", e.target.value)} />
        </Field>
      </div>

      <Field label="Address families" error={err("address_families")} name="address_families" hint="Weft's speaker carries inet and inet-vpn; the others are kept in the config for Contrail compatibility but not negotiated.">
        <div className="grid grid-cols-3 gap-x-4 gap-y-1 rounded-md border border-line-strong p-2" data-testid="field-families">
          {BGP_FAMILIES.map((f) => (
            <label key={f} className="flex items-center gap-2 text-[13px]" title={FAMILY_HINT[f]}>
              <Checkbox
                data-testid={`family-${f}`}
                checked={v.families.includes(f)}
                onChange={(e) => set("families", e.target.checked ? [...v.families, f] : v.families.filter((x) => x !== f))}
              />
              <span className="font-mono text-xs">{f}</span>
              {isSupportedFamily(f) ? <Badge tone="ok">Carried</Badge> : <span className="text-[11px] text-faint">not carried</span>}
            </label>
          ))}
        </div>
        <Warning text={warningAt("address_families")} name="address_families" />
      </Field>

      {!isControl && (
        <div className="grid grid-cols-3 gap-4">
          <Field label="Admin state" hint="Admin down: no session, the peer is shown as Disabled" error={err("admin_down")}>
            <Checkbox label="Admin down" data-testid="field-admin-down" checked={v.adminDown} onChange={(e) => set("adminDown", e.target.checked)} className="h-8" />
          </Field>
          <Field label="Connection" hint="Passive: never connect, wait for the peer" error={err("passive")}>
            <Checkbox label="Passive" data-testid="field-passive" checked={v.passive} onChange={(e) => set("passive", e.target.checked)} className="h-8" />
          </Field>
          <Field label="Max prefixes" htmlFor="bgp-max-prefixes" error={err("max_prefixes")} name="max_prefixes" hint="Cease / Maximum Number of Prefixes Reached above it; empty = no limit">
            <Input id="bgp-max-prefixes" mono inputMode="numeric" data-testid="field-max-prefixes" value={v.maxPrefixes} invalid={!!err("max_prefixes")} onChange={(e) => set("maxPrefixes", e.target.value)} />
          </Field>
        </div>
      )}

      <Field label="Authentication" error={err("auth_data")} name="auth_data" hint="TCP MD5 is not supported: Node.js cannot set TCP_MD5SIG on a Linux socket without native code, so Weft cannot sign or check segments. Leave authentication off on the peer too.">
        <div className="grid grid-cols-3 gap-4" data-testid="field-auth">
          <Select aria-label="Authentication type" data-testid="field-auth-type" disabled value="" onChange={() => undefined} options={[{ value: "", label: "None (TCP MD5 not supported)" }]} />
          <Input aria-label="Authentication key" data-testid="field-auth-key" disabled placeholder="TCP MD5 is not supported" className="col-span-2" />
        </div>
        <Warning text={warningAt("auth_data")} name="auth_data" />
      </Field>

      <Field
        label="Associated peers"
        error={errors.at("bgp_router_refs")}
        name="bgp_router_refs"
        hint={isLocal ? "The routers this control node peers with." : "Select the control node(s) this router peers with (seed 001: “don't forget to associate the controller(s)”)."}
      >
        <div className="flex max-h-44 flex-col gap-1 overflow-auto rounded-md border border-line-strong p-2" data-testid="field-peers">
          {others.length === 0 && <span className="text-xs text-faint">No other BGP router exists yet.</span>}
          {others.map((o) => {
            const p = paramsOf(o);
            const type = (p.router_type as string) ?? "router";
            return (
              <label key={o.uuid} className="flex items-center gap-2 text-[13px]" data-router-type={type}>
                <Checkbox
                  data-testid={`peer-${o.name}`}
                  checked={v.peers.includes(o.uuid)}
                  onChange={(e) => set("peers", e.target.checked ? [...v.peers, o.uuid] : v.peers.filter((x) => x !== o.uuid))}
                />
                <span className="font-medium">{o.name}</span>
                <Badge tone={type === "control-node" ? "accent" : "neutral"}>{type}</Badge>
                <span className="font-mono text-xs text-muted">{(p.address as string) ?? ""}</span>
                {o.uuid === localUuid && <span className="text-xs text-faint">this control node</span>}
              </label>
            );
          })}
        </div>
      </Field>
    </FormDialog>
  );
}
