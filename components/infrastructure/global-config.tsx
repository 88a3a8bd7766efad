"use client";
// Global Config: the cluster's autonomous system (global-system-config) and the encapsulation
// priority the agents use (global-vrouter-config). Admins edit; everyone else reads.
import { ArrowDown, ArrowUp } from "lucide-react";
import { useEffect, useMemo, useState } from "react";
import { ENCAPSULATIONS, GlobalSystemConfigPropsSchema } from "../../server/engine/model/schemas";
import type { ConfigObject } from "../../server/engine/model/types";
import { errorMessage, fieldIssues } from "../../lib/errors";
import { formatTime } from "../objects/cells";
import { PageHeader } from "../objects/page-header";
import { useConfigList, useUpdateObject } from "../objects/use-config";
import { useIsAdmin } from "../session";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { Checkbox } from "../ui/checkbox";
import { Field, FormError } from "../ui/field";
import { Input } from "../ui/input";
import { Mono } from "../ui/mono";
import { Spinner } from "../ui/spinner";

type Encap = (typeof ENCAPSULATIONS)[number];

const ENCAP_HINT: Record<Encap, string> = {
  MPLSoGRE: "MPLS over GRE: Contrail's default towards gateways",
  MPLSoUDP: "MPLS over UDP: better ECMP hashing in the fabric",
  VXLAN: "VXLAN: the VN's VXLAN ID as VNI",
};

export function GlobalConfigPage() {
  const isAdmin = useIsAdmin();
  const gsc = useConfigList("global-system-config");
  const gvc = useConfigList("global-vrouter-config");
  const system = gsc.items[0];
  const vrouter = gvc.items[0];

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title="Global Config"
        description="Cluster-wide settings: the autonomous system in every automatic route target, and the order in which agents pick an encapsulation."
        badges={!isAdmin ? <Badge>Read only</Badge> : undefined}
      />
      <div className="min-h-0 flex-1 overflow-auto p-4">
        {(gsc.isLoading || gvc.isLoading) && <Spinner label="Loading global config…" />}
        {(gsc.error || gvc.error) && (
          <p role="alert" className="text-sm text-danger">
            Could not load the global config: {errorMessage(gsc.error ?? gvc.error)}
          </p>
        )}
        <div className="grid max-w-5xl gap-4 lg:grid-cols-2">
          {system && <AsnCard key={`${system.uuid}:${system.resource_version}`} obj={system} editable={isAdmin} />}
          {vrouter && <EncapCard key={`${vrouter.uuid}:${vrouter.resource_version}`} obj={vrouter} editable={isAdmin} />}
          {!gsc.isLoading && !system && <p className="text-sm text-muted">There is no global-system-config object (the controller creates it at start).</p>}
          {!gvc.isLoading && !vrouter && <p className="text-sm text-muted">There is no global-vrouter-config object (the controller creates it at start).</p>}
        </div>
      </div>
    </div>
  );
}

function Footer({ obj }: { obj: ConfigObject }) {
  return (
    <p className="mt-3 text-xs text-faint">
      <Mono copy={obj.fq_name.join(":")}>{obj.fq_name.join(":")}</Mono> · version <span className="tabular-nums">{obj.resource_version}</span> · changed {formatTime(obj.id_perms?.last_modified)}
    </p>
  );
}

function AsnCard({ obj, editable }: { obj: ConfigObject; editable: boolean }) {
  const current = (obj.autonomous_system as number | undefined) ?? 64512;
  const [text, setText] = useState(String(current));
  const [error, setError] = useState("");
  const [saved, setSaved] = useState(false);
  const update = useUpdateObject();
  const dirty = text.trim() !== String(current);

  async function save() {
    setError("");
    setSaved(false);
    const n = Number(text.trim());
    const check = GlobalSystemConfigPropsSchema.safeParse({ autonomous_system: text.trim() === "" ? undefined : n });
    if (text.trim() === "" || !check.success) return setError(text.trim() === "" ? "enter the AS number, e.g. 64512" : check.error!.issues[0].message);
    try {
      await update.mutateAsync({ type: "global-system-config", uuid: obj.uuid, body: { autonomous_system: n, resource_version: obj.resource_version } });
      setSaved(true);
    } catch (e) {
      setError(fieldIssues(e)[0]?.message ?? errorMessage(e));
    }
  }

  return (
    <Card title="Autonomous system">
      <form
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <Field
          label="AS number"
          htmlFor="field-asn"
          error={error}
          name="asn"
          hint="Automatic route targets are target:<ASN>:<8000000+n>; changing it re-targets every routing instance."
        >
          <Input id="field-asn" mono data-testid="field-asn" inputMode="numeric" value={text} disabled={!editable} invalid={!!error} onChange={(e) => setText(e.target.value)} className="max-w-48" />
        </Field>
        {editable && (
          <div className="flex items-center gap-2">
            <Button type="submit" size="sm" variant="primary" disabled={!dirty || update.isPending} data-testid="save-asn">
              {update.isPending ? "Saving…" : "Save"}
            </Button>
            {saved && !dirty && <Badge tone="ok">Saved</Badge>}
          </div>
        )}
      </form>
      <Footer obj={obj} />
    </Card>
  );
}

function EncapCard({ obj, editable }: { obj: ConfigObject; editable: boolean }) {
  const current = useMemo(() => ((obj.encapsulation_priorities as { encapsulation?: Encap[] } | undefined)?.encapsulation ?? ["MPLSoGRE", "MPLSoUDP", "VXLAN"]) as Encap[], [obj]);
  // the order of all three, and which are enabled (an unlisted one is off)
  const [order, setOrder] = useState<Encap[]>(() => [...current, ...ENCAPSULATIONS.filter((e) => !current.includes(e))]);
  const [enabled, setEnabled] = useState<Set<Encap>>(() => new Set(current));
  const [error, setError] = useState("");
  const [saved, setSaved] = useState(false);
  const update = useUpdateObject();
  const list = order.filter((e) => enabled.has(e));
  const dirty = list.join(",") !== current.join(",");
  useEffect(() => setSaved(false), [order, enabled]);

  function move(i: number, d: -1 | 1) {
    const j = i + d;
    if (j < 0 || j >= order.length) return;
    const next = order.slice();
    [next[i], next[j]] = [next[j], next[i]];
    setOrder(next);
  }

  async function save() {
    setError("");
    if (list.length === 0) return setError("keep at least one encapsulation");
    try {
      await update.mutateAsync({ type: "global-vrouter-config", uuid: obj.uuid, body: { encapsulation_priorities: { encapsulation: list }, resource_version: obj.resource_version } });
      setSaved(true);
    } catch (e) {
      setError(fieldIssues(e)[0]?.message ?? errorMessage(e));
    }
  }

  return (
    <Card title="Encapsulation priority">
      <p className="mb-2 text-xs text-muted">Agents use the first encapsulation both ends support. Highest priority first.</p>
      <ol className="flex flex-col gap-1" data-testid="encap-list">
        {order.map((e, i) => (
          <li key={e} className="flex items-center gap-2 rounded-md border border-line px-2 py-1" data-testid={`encap-${e}`}>
            <span className="w-5 text-xs text-faint tabular-nums">{enabled.has(e) ? list.indexOf(e) + 1 : "–"}</span>
            <Checkbox
              aria-label={`Use ${e}`}
              data-testid={`encap-${e}-enabled`}
              checked={enabled.has(e)}
              disabled={!editable}
              onChange={(ev) => {
                const next = new Set(enabled);
                if (ev.target.checked) next.add(e);
                else next.delete(e);
                setEnabled(next);
              }}
            />
            <span className="font-mono text-xs">{e}</span>
            <span className="truncate text-xs text-faint">{ENCAP_HINT[e]}</span>
            {editable && (
              <span className="ml-auto flex gap-0.5">
                <Button size="icon" variant="ghost" aria-label={`Move ${e} up`} data-testid={`encap-${e}-up`} disabled={i === 0} onClick={() => move(i, -1)}>
                  <ArrowUp className="h-3.5 w-3.5" />
                </Button>
                <Button size="icon" variant="ghost" aria-label={`Move ${e} down`} data-testid={`encap-${e}-down`} disabled={i === order.length - 1} onClick={() => move(i, 1)}>
                  <ArrowDown className="h-3.5 w-3.5" />
                </Button>
              </span>
            )}
          </li>
        ))}
      </ol>
      <div className="mt-2">
        <FormError>{error}</FormError>
      </div>
      {editable && (
        <div className="mt-3 flex items-center gap-2">
          <Button size="sm" variant="primary" disabled={!dirty || update.isPending} onClick={save} data-testid="save-encap">
            {update.isPending ? "Saving…" : "Save"}
          </Button>
          {saved && !dirty && <Badge tone="ok">Saved</Badge>}
        </div>
      )}
      <Footer obj={obj} />
    </Card>
  );
}
