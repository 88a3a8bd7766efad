"use client";
// Kubernetes › Apply manifests: kubectl apply -f / delete -f from the console. Paste or upload
// (multi-document) YAML; every document is validated first and nothing is stored when one is
// invalid; the answer is per document: what was created or deleted, or what is wrong (line and
// field), warnings, and the Weft objects it produced once reconciled.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { FlaskConical, Play, Trash2, Upload } from "lucide-react";
import { useRef, useState, type ChangeEvent } from "react";
import { errorMessage, fieldIssues } from "../../lib/errors";
import { useTRPC, type RouterOutputs } from "../../lib/trpc";
import { PageHeader } from "../objects/page-header";
import { useProject } from "../project-context";
import { useMe } from "../session";
import { Badge, type Tone } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { Field, FormError } from "../ui/field";
import { Input, Textarea } from "../ui/input";
import { KubeLink, KubeStatusBadge, ProducedLinks, useSelectedNamespace } from "./kube-fields";

type ApplyOutput = RouterOutputs["kube"]["applyManifest"];
type Result = ApplyOutput["results"][number];
type Mode = "apply" | "dry-run" | "delete";

const ACTION_TONE: Record<string, Tone> = { valid: "ok", "not applied": "neutral", ignored: "neutral", created: "ok", configured: "accent", unchanged: "neutral", deleted: "warn", "not found": "warn", invalid: "danger" };

export function ApplyManifestsPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const me = useMe();
  const { namespace: selectedNs } = useSelectedNamespace();
  const canWrite = me.role !== "viewer";
  const [manifest, setManifest] = useState("");
  const [namespace, setNamespace] = useState("");
  const [files, setFiles] = useState<string[]>([]);
  const [answer, setAnswer] = useState<{ mode: Mode; out: ApplyOutput } | null>(null);
  const [error, setError] = useState("");
  const [fieldError, setFieldError] = useState("");
  const fileInput = useRef<HTMLInputElement>(null);
  const apply = useMutation(trpc.kube.applyManifest.mutationOptions());
  const del = useMutation(trpc.kube.deleteManifest.mutationOptions());
  const busy = apply.isPending || del.isPending;
  // the default namespace of documents without one: typed, else the selected project's
  const defaultNs = namespace.trim() || (selectedNs ?? undefined);

  async function onFiles(e: ChangeEvent<HTMLInputElement>) {
    const list = [...(e.target.files ?? [])];
    if (!list.length) return;
    const texts = await Promise.all(list.map((f) => f.text()));
    // one manifest: files joined as YAML documents
    setManifest(texts.map((t) => t.trim()).filter(Boolean).join("\n---\n"));
    setFiles(list.map((f) => f.name));
    setAnswer(null);
    e.target.value = "";
  }

  async function run(mode: Mode) {
    setError("");
    setFieldError("");
    if (!manifest.trim()) {
      setFieldError("paste one or more YAML documents (apiVersion, kind, metadata …) or upload a file");
      return;
    }
    try {
      const input = { manifest, ...(defaultNs ? { namespace: defaultNs } : {}) };
      const out = mode === "delete" ? await del.mutateAsync(input) : await apply.mutateAsync({ ...input, dryRun: mode === "dry-run" });
      setAnswer({ mode, out });
      if (mode !== "dry-run") {
        await qc.invalidateQueries({ queryKey: trpc.kube.pathKey() });
        await qc.invalidateQueries({ queryKey: trpc.config.pathKey() });
      }
    } catch (e) {
      const fi = fieldIssues(e).find((i) => i.field === "manifest");
      if (fi) setFieldError(fi.message);
      else setError(errorMessage(e));
      setAnswer(null);
    }
  }

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title="Apply manifests"
        description="kubectl apply -f for the kube manager: Namespaces, Pods, Deployments, ReplicaSets, ReplicationControllers, Services, Ingresses, NetworkPolicies and NetworkAttachmentDefinitions, several per manifest (---)."
      />
      <div className="min-h-0 flex-1 overflow-auto p-4">
        <div className="grid gap-4 xl:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
          <Card
            title="Manifest"
            actions={
              <span className="flex items-center gap-2 text-xs text-muted">
                {files.length > 0 && <span data-testid="apply-files">{files.join(", ")}</span>}
                <input ref={fileInput} type="file" accept=".yaml,.yml,.json,text/yaml,application/json" multiple className="hidden" data-testid="apply-file" onChange={onFiles} />
                <Button size="sm" variant="ghost" onClick={() => fileInput.current?.click()} disabled={!canWrite}>
                  <Upload className="h-3.5 w-3.5" /> Upload files
                </Button>
              </span>
            }
          >
            <div className="flex flex-col gap-3">
              <Field label="YAML (one or more documents separated by ---)" htmlFor="apply-manifest" error={fieldError} name="manifest">
                <Textarea
                  id="apply-manifest"
                  mono
                  data-testid="apply-manifest"
                  rows={22}
                  spellCheck={false}
                  invalid={!!fieldError}
                  value={manifest}
                  placeholder={PLACEHOLDER}
                  onChange={(e) => {
                    setManifest(e.target.value);
                    setFiles([]);
                  }}
                  disabled={!canWrite}
                />
              </Field>
              <Field label="Default namespace (optional)" htmlFor="apply-namespace" hint={`For documents without metadata.namespace; empty: ${selectedNs ? `${selectedNs} (the selected project)` : "default"}.`}>
                <Input id="apply-namespace" mono className="max-w-xs" data-testid="apply-namespace" value={namespace} onChange={(e) => setNamespace(e.target.value)} placeholder={selectedNs ?? "default"} disabled={!canWrite} />
              </Field>
              {canWrite ? (
                <div className="flex flex-wrap items-center gap-2">
                  <Button variant="primary" onClick={() => run("apply")} disabled={busy} data-testid="apply-run">
                    <Play className="h-3.5 w-3.5" /> {apply.isPending && !apply.variables?.dryRun ? "Applying…" : "Apply"}
                  </Button>
                  <Button onClick={() => run("dry-run")} disabled={busy} data-testid="apply-dry-run">
                    <FlaskConical className="h-3.5 w-3.5" /> Dry run
                  </Button>
                  <Button variant="danger" onClick={() => run("delete")} disabled={busy} data-testid="apply-delete">
                    <Trash2 className="h-3.5 w-3.5" /> {del.isPending ? "Deleting…" : "Delete"}
                  </Button>
                  <span className="text-xs text-faint">Apply waits until the objects are reconciled.</span>
                </div>
              ) : (
                <div className="flex flex-wrap items-center gap-2">
                  <Button variant="primary" disabled data-testid="apply-run">
                    <Play className="h-3.5 w-3.5" /> Apply
                  </Button>
                  <Button disabled data-testid="apply-dry-run">Dry run</Button>
                  <Button variant="danger" disabled data-testid="apply-delete">Delete</Button>
                  <span className="text-xs text-muted">Your role is viewer: applying and deleting manifests needs operator or admin.</span>
                </div>
              )}
            </div>
          </Card>
          <div className="flex min-w-0 flex-col gap-4">
            <FormError>{error}</FormError>
            {answer ? (
              <Results mode={answer.mode} out={answer.out} />
            ) : (
              <Card title="Results">
                <p className="text-xs text-muted">Per document: what was created, changed or deleted, or what is wrong with it (line and field), and the Weft objects it produced.</p>
              </Card>
            )}
          </div>
        </div>
      </div>
    </div>
  );
}

function Results({ mode, out }: { mode: Mode; out: ApplyOutput }) {
  const invalid = out.results.filter((r) => r.errors.length).length;
  const summary = !out.ok
    ? `${invalid} of ${out.results.length} document${out.results.length === 1 ? "" : "s"} invalid${mode === "delete" ? "" : ": nothing was applied"}`
    : mode === "dry-run"
      ? `dry run: all ${out.results.length} document${out.results.length === 1 ? "" : "s"} valid, nothing applied`
      : mode === "delete"
        ? `${out.results.filter((r) => r.action === "deleted").length} deleted`
        : `${out.results.length} document${out.results.length === 1 ? "" : "s"} applied`;
  return (
    <Card title="Results" actions={<Badge tone={out.ok ? "ok" : "danger"}>{out.ok ? "OK" : "Invalid"}</Badge>}>
      <div className="flex flex-col gap-3" data-testid="apply-results" data-ok={out.ok ? "true" : "false"}>
        <p className="text-[13px]" data-testid="apply-summary">
          {summary}
        </p>
        <ol className="flex flex-col gap-2">
          {out.results.map((r) => (
            <ResultRow key={r.index} r={r} mode={mode} ok={out.ok} />
          ))}
        </ol>
      </div>
    </Card>
  );
}

function ResultRow({ r, mode, ok }: { r: Result; mode: Mode; ok: boolean }) {
  // a valid document of a manifest that is not applied (another one is invalid, or a dry run)
  const action = r.errors.length || r.action === "ignored" ? r.action : mode === "dry-run" ? "valid" : !ok && mode === "apply" ? "not applied" : r.action;
  const name = r.name ? `${r.namespace ? `${r.namespace}/` : ""}${r.name}` : "";
  return (
    <li className="rounded-md border border-line px-3 py-2" data-testid={`apply-result-${r.index}`} data-action={action}>
      <div className="flex flex-wrap items-center gap-2 text-[13px]">
        <span className="text-xs text-faint tabular-nums">#{r.index + 1} · line {r.line}</span>
        {r.kind && <Badge>{r.kind}</Badge>}
        {name ? (
          r.kind && action !== "invalid" && action !== "deleted" && action !== "not found" && mode === "apply" ? (
            <KubeLink kind={r.kind} namespace={r.namespace || undefined} name={r.name} />
          ) : (
            <span className="font-mono text-xs">{name}</span>
          )
        ) : (
          <span className="text-xs text-faint">(no name)</span>
        )}
        <Badge tone={ACTION_TONE[action] ?? "neutral"}>
          <span data-testid="apply-action">{action}</span>
        </Badge>
        {r.status && mode === "apply" && <KubeStatusBadge status={r.status} withMessage="always" />}
      </div>
      {r.errors.length > 0 && (
        <ul className="mt-1 flex flex-col gap-0.5" data-testid="apply-errors">
          {r.errors.map((e, i) => (
            <li key={i} className="text-xs text-danger" data-testid="apply-error">
              {e.line ? <span className="tabular-nums">line {e.line}</span> : null}
              {e.field ? <span className="font-mono"> {e.field}</span> : null}
              {(e.line || e.field) && ": "}
              {e.message}
            </li>
          ))}
        </ul>
      )}
      {r.warnings.length > 0 && (
        <ul className="mt-1 flex flex-col gap-0.5" data-testid="apply-warnings">
          {r.warnings.map((w, i) => (
            <li key={i} className="text-xs text-warn">
              {w.line ? `line ${w.line} ` : ""}
              {w.field ? <span className="font-mono">{w.field}</span> : null}: {w.message}
            </li>
          ))}
        </ul>
      )}
      {r.produced && r.produced.length > 0 && (
        <div className="mt-1 text-xs">
          <ProducedLinks produced={r.produced} />
        </div>
      )}
    </li>
  );
}

const PLACEHOLDER = `apiVersion: v1
kind: Namespace
metadata:
  name: dev
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: dev
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx }] }`;
