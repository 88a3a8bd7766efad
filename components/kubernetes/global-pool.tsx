"use client";
// The cluster's global floating IP pool (Contrail's KUBERNETES_PUBLIC_FIP_POOL): LoadBalancer
// services and ingresses without a pool annotation (on themselves or their namespace) take their
// external IP from it. Admins set it here; everyone sees which one is in force.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { errorMessage } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { useConfigList } from "../objects/use-config";
import { useIsAdmin } from "../session";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { Field, FormError } from "../ui/field";
import { Select } from "../ui/select";
import { useKubeSummary } from "./kube-fields";

export function GlobalPoolControl() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const isAdmin = useIsAdmin();
  const summary = useKubeSummary();
  const [open, setOpen] = useState(false);
  const pools = useConfigList("floating-ip-pool", { enabled: open });
  // null: untouched (the pool in force); "": none
  const [choice, setChoice] = useState<string | null>(null);
  const [error, setError] = useState("");
  const set = useMutation(trpc.kube.setPublicFipPool.mutationOptions());
  const current = summary.data?.publicFipPool;
  const currentFq = current ? [current.domain, current.project, current.network, current.name].join(":") : "";
  const effective = choice ?? pools.items.find((p) => p.fq_name.join(":") === currentFq)?.uuid ?? "";

  async function save() {
    setError("");
    if (choice === null) return setOpen(false);
    const pool = pools.items.find((p) => p.uuid === effective);
    const [domain, project, network, name] = pool?.fq_name ?? [];
    try {
      await set.mutateAsync({ pool: pool ? JSON.stringify({ domain, project, network, name }) : null });
      await qc.invalidateQueries({ queryKey: trpc.kube.pathKey() });
      setOpen(false);
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <span className="flex items-center gap-2 text-xs text-muted" data-testid="global-fip-pool">
      Global FIP pool: <span className="font-mono text-fg" title={currentFq}>{currentFq ? currentFq.split(":").slice(-2).join(":") : "none"}</span>
      {isAdmin && (
        <Button
          size="sm"
          variant="ghost"
          onClick={() => {
            setChoice(null);
            setOpen(true);
          }}
          data-testid="global-fip-pool-edit"
        >
          Change
        </Button>
      )}
      {open && (
        <Dialog
          open
          onOpenChange={setOpen}
          title="Global floating IP pool"
          description="LoadBalancer services and ingresses without an opencontrail.org/fip-pool annotation (on themselves or their namespace) take their external IP from this pool."
          footer={
            <>
              <Button onClick={() => setOpen(false)}>Cancel</Button>
              <Button variant="primary" onClick={save} disabled={set.isPending} data-testid="global-fip-pool-save">
                Save
              </Button>
            </>
          }
        >
          <div className="flex flex-col gap-3">
            <Field label="Pool" htmlFor="global-pool">
              <Select
                id="global-pool"
                data-testid="global-fip-pool-select"
                value={effective}
                onChange={(e) => setChoice(e.target.value)}
                placeholder="None (only annotated pools)"
                options={pools.items.map((p) => ({ value: p.uuid, label: p.fq_name.join(":") }))}
              />
            </Field>
            <FormError>{error}</FormError>
          </div>
        </Dialog>
      )}
    </span>
  );
}
