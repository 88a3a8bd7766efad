// Kubernetes objects as the kube manager sees them: the kinds it maps, their validation (with the
// field path and the manifest line of what is wrong), multi-document YAML parsing, label selectors.
import { LineCounter, parseAllDocuments } from "yaml";
import { z } from "zod";

export const KINDS = [
  "Namespace",
  "NetworkAttachmentDefinition",
  "Pod",
  "Deployment",
  "ReplicaSet",
  "ReplicationController",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "Service",
  "Ingress",
  "NetworkPolicy",
] as const;
export type Kind = (typeof KINDS)[number];

/** Kinds that live in a namespace (everything but Namespace). */
export const namespaced = (k: Kind) => k !== "Namespace";
/** Workload controllers: the manager expands them into pods itself (no kube-controller-manager here). */
export const WORKLOAD_KINDS: Kind[] = ["Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet", "Job"];

/**
 * Kinds real application manifests carry that have no network meaning for Weft (storage, secrets,
 * RBAC, autoscaling, …): accepted with a warning and not applied, so they never block the rest of
 * the manifest (issue 15: kubectl applies a whole application's files; Weft takes its network part).
 */
export const NON_NETWORK_KINDS = [
  "Secret",
  "ConfigMap",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "StorageClass",
  "ServiceAccount",
  "Role",
  "RoleBinding",
  "ClusterRole",
  "ClusterRoleBinding",
  "HorizontalPodAutoscaler",
  "PodDisruptionBudget",
  "LimitRange",
  "ResourceQuota",
  "PriorityClass",
  "CustomResourceDefinition",
  "CronJob",
  "Endpoints",
  "EndpointSlice",
  "IngressClass",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "APIService",
];

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const nameSchema = z
  .string({ error: "a name is required" })
  .min(1, "a name is required")
  .max(63, "at most 63 characters")
  .regex(NAME, "lower-case letters, digits and '-', starting and ending with a letter or digit (RFC 1123 label)");

const stringMap = z.record(z.string(), z.string({ error: "values must be strings (quote numbers and booleans)" }));

export const MetadataSchema = z.object({
  name: nameSchema,
  namespace: nameSchema.optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  ownerReferences: z.array(z.object({ kind: z.string(), name: z.string(), uid: z.string().optional() }).passthrough()).optional(),
}).passthrough();

// Kubernetes decodes `matchLabels: null` / `matchExpressions: null` (a YAML key with no value) as
// empty — the "deny traffic from other namespaces" recipe writes `podSelector: {matchLabels: }` —
// and an empty selector selects everything (metav1.LabelSelectorAsSelector).
const LabelSelectorSchema = z.object({
  matchLabels: stringMap.nullish(),
  matchExpressions: z
    .array(
      z.object({
        key: z.string(),
        operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"], { error: "operator must be In, NotIn, Exists or DoesNotExist" }),
        values: z.array(z.string()).optional(),
      }),
    )
    .nullish(),
});
export type LabelSelector = z.infer<typeof LabelSelectorSchema>;

const portNumber = z.number({ error: "a port number (1–65535)" }).int().min(1, "ports are 1–65535").max(65535, "ports are 1–65535");
const protocolSchema = z.enum(["TCP", "UDP", "SCTP"], { error: "protocol must be TCP, UDP or SCTP" }).optional();

const ContainerSchema = z
  .object({
    name: z.string().optional(),
    image: z.string().optional(),
    ports: z.array(z.object({ name: z.string().optional(), containerPort: portNumber, protocol: protocolSchema }).passthrough()).optional(),
  })
  .passthrough();

const PodSpecSchema = z
  .object({
    nodeName: z.string().optional(),
    hostNetwork: z.boolean({ error: "hostNetwork is true or false" }).optional(),
    containers: z.array(ContainerSchema).optional(),
  })
  .passthrough();

const PodTemplateSchema = z.object({
  metadata: z.object({ labels: stringMap.optional(), annotations: stringMap.optional() }).passthrough().optional(),
  spec: PodSpecSchema.optional(),
});

const ServicePortSchema = z
  .object({
    name: z.string().optional(),
    protocol: protocolSchema,
    port: portNumber,
    targetPort: z.union([portNumber, z.string()]).optional(),
    // Kubernetes: 0 (or absent) means "allocate one" for NodePort/LoadBalancer services
    nodePort: z
      .number()
      .int()
      .refine((n) => n === 0 || (n >= 30000 && n <= 32767), "nodePort must be 0 (allocate one) or in 30000–32767")
      .optional(),
  })
  .passthrough();

// a peer's null selector is an unset pointer in Kubernetes (not "everything"): null = absent
const PeerSchema = z.object({
  podSelector: LabelSelectorSchema.nullish(),
  namespaceSelector: LabelSelectorSchema.nullish(),
  ipBlock: z.object({ cidr: z.string(), except: z.array(z.string()).optional() }).optional(),
});
const PolicyPortSchema = z.object({
  protocol: protocolSchema,
  port: z.union([portNumber, z.string()]).optional(),
  endPort: portNumber.optional(),
});

const IngressBackendSchema = z
  .object({
    service: z.object({ name: z.string(), port: z.object({ number: portNumber.optional(), name: z.string().optional() }).optional() }).optional(),
    serviceName: z.string().optional(),
    servicePort: z.union([portNumber, z.string()]).optional(),
  })
  .passthrough();

export const SPEC_SCHEMAS: Record<Kind, z.ZodType> = {
  Namespace: z.object({}).passthrough().optional(),
  NetworkAttachmentDefinition: z.object({ config: z.string().optional() }).passthrough().optional(),
  Pod: PodSpecSchema.optional(),
  Deployment: z.object({ replicas: z.number().int().min(0).max(1000).optional(), selector: LabelSelectorSchema.optional(), template: PodTemplateSchema }).passthrough(),
  ReplicaSet: z.object({ replicas: z.number().int().min(0).max(1000).optional(), selector: LabelSelectorSchema.optional(), template: PodTemplateSchema }).passthrough(),
  ReplicationController: z
    .object({ replicas: z.number().int().min(0).max(1000).optional(), selector: stringMap.optional(), template: PodTemplateSchema })
    .passthrough(),
  StatefulSet: z.object({ replicas: z.number().int().min(0).max(1000).optional(), selector: LabelSelectorSchema.optional(), serviceName: z.string().optional(), template: PodTemplateSchema }).passthrough(),
  DaemonSet: z.object({ selector: LabelSelectorSchema.optional(), template: PodTemplateSchema }).passthrough(),
  Job: z
    .object({
      parallelism: z.number().int().min(0).max(1000).optional(),
      completions: z.number().int().min(0).nullish(),
      template: PodTemplateSchema,
    })
    .passthrough(),
  Service: z
    .object({
      type: z.enum(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"], { error: "type must be ClusterIP, NodePort, LoadBalancer or ExternalName" }).optional(),
      selector: stringMap.optional(),
      clusterIP: z.string().optional(),
      loadBalancerIP: z.string().optional(),
      ports: z.array(ServicePortSchema).optional(),
    })
    .passthrough()
    .optional(),
  Ingress: z
    .object({
      defaultBackend: IngressBackendSchema.optional(),
      backend: IngressBackendSchema.optional(),
      rules: z
        .array(
          z
            .object({
              host: z.string().optional(),
              http: z.object({ paths: z.array(z.object({ path: z.string().optional(), backend: IngressBackendSchema }).passthrough()) }).optional(),
            })
            .passthrough(),
        )
        .optional(),
    })
    .passthrough()
    .optional(),
  NetworkPolicy: z
    .object({
      // podSelector is a struct, not a pointer, in networking/v1: null decodes to {} (every pod)
      podSelector: LabelSelectorSchema.nullable(),
      policyTypes: z.array(z.enum(["Ingress", "Egress"], { error: "policyTypes are Ingress and Egress" })).optional(),
      ingress: z.array(z.object({ from: z.array(PeerSchema).optional(), ports: z.array(PolicyPortSchema).optional() })).optional(),
      egress: z.array(z.object({ to: z.array(PeerSchema).optional(), ports: z.array(PolicyPortSchema).optional() })).optional(),
    })
    .passthrough(),
};

export interface KubeObject {
  apiVersion: string;
  kind: Kind;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid?: string }[];
  };
  // biome-ignore lint: specs are per kind, validated by SPEC_SCHEMAS
  spec?: any;
}

export const keyOf = (kind: Kind, namespace: string | undefined, name: string) => (namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`);
export const objectKey = (o: KubeObject) => keyOf(o.kind, o.metadata.namespace, o.metadata.name);

export interface Issue {
  /** dotted path in the document (metadata.name, spec.ports.0.port) */
  field: string;
  message: string;
  /** 1-based line in the manifest, when known */
  line?: number;
}

export interface ParsedDocument {
  /** a kind without network meaning: accepted with a warning, not applied */
  ignored?: boolean;
  index: number;
  /** 1-based first line of the document in the manifest */
  line: number;
  object: KubeObject | null;
  /** kind / namespace / name as written, also for an invalid document (to name it in the answer) */
  ref: { kind: string; namespace: string; name: string };
  issues: Issue[];
  warnings: Issue[];
}

/** Validates one object (from a manifest or a watch): issues name the field and what is allowed. */
export function validateObject(raw: unknown, defaultNamespace = "default"): { object: KubeObject | null; issues: Issue[]; warnings: Issue[]; ignored?: boolean } {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return { object: null, issues: [{ field: "", message: "a Kubernetes object (a mapping with apiVersion, kind, metadata) is expected" }], warnings: [] };
  const r = raw as Record<string, unknown>;
  const issues: Issue[] = [];
  if (typeof r.apiVersion !== "string" || !r.apiVersion) issues.push({ field: "apiVersion", message: "apiVersion is required (v1, apps/v1, networking.k8s.io/v1, k8s.cni.cncf.io/v1)" });
  if (typeof r.kind !== "string" || !r.kind) {
    issues.push({ field: "kind", message: `kind is required: the kube manager maps ${KINDS.join(", ")}` });
    return { object: null, issues, warnings: [] };
  }
  if (!(KINDS as readonly string[]).includes(r.kind)) {
    const near = KINDS.find((k) => k.toLowerCase() === (r.kind as string).toLowerCase());
    // a mapped kind mis-cased is a typo (the API server would refuse it too), not something to skip
    if (near) issues.push({ field: "kind", message: `kind ${r.kind} is not a Kubernetes kind: did you mean ${near}?` });
    const meta = MetadataSchema.safeParse(r.metadata ?? {});
    if (!meta.success) for (const i of meta.error.issues) issues.push({ field: ["metadata", ...i.path].join("."), message: i.message });
    // a custom resource: its group is a domain that is not Kubernetes' own (cert-manager.io/v1)
    const group = typeof r.apiVersion === "string" && r.apiVersion.includes("/") ? r.apiVersion.split("/")[0] : "";
    const custom = group.includes(".") && !group.endsWith(".k8s.io");
    const known = (NON_NETWORK_KINDS as readonly string[]).includes(r.kind);
    // an unknown kind in a built-in group (v1, apps/v1, …) is refused, as the API server does
    // ("no matches for kind … in version …"): it is a mistake, not something to skip
    if (!known && !custom) issues.push({ field: "kind", message: `kind ${r.kind} is not handled: not a Kubernetes kind of ${r.apiVersion ?? "its apiVersion"}; the kube manager maps ${KINDS.join(", ")} and accepts (without applying) ${NON_NETWORK_KINDS.join(", ")} and custom resources` });
    if (issues.length) return { object: null, issues, warnings: [] };
    const why = known ? "it has no network meaning" : `it is a custom resource (${group}), not a kind Weft maps`;
    return { object: null, issues: [], warnings: [{ field: "kind", message: `${r.kind} accepted and not applied: ${why}; the kube manager maps ${KINDS.join(", ")}` }], ignored: true };
  }
  const kind = r.kind as Kind;
  const meta = MetadataSchema.safeParse(r.metadata ?? {});
  if (!meta.success) for (const i of meta.error.issues) issues.push({ field: ["metadata", ...i.path].join("."), message: i.message });
  const spec = SPEC_SCHEMAS[kind].safeParse(r.spec);
  if (!spec.success) for (const i of spec.error.issues) issues.push({ field: ["spec", ...i.path].join("."), message: i.message });
  if (issues.length || !meta.success) return { object: null, issues, warnings: [] };
  const metadata = { ...meta.data } as KubeObject["metadata"];
  if (namespaced(kind)) metadata.namespace ??= defaultNamespace;
  else delete metadata.namespace;
  const object: KubeObject = { apiVersion: r.apiVersion as string, kind, metadata, spec: r.spec ?? {} };
  const warnings: Issue[] = [];
  issues.push(...semanticIssues(object, warnings));
  return { object: issues.length ? null : object, issues, warnings };
}

function semanticIssues(o: KubeObject, warnings: Issue[]): Issue[] {
  const out: Issue[] = [];
  const ann = o.metadata.annotations ?? {};
  for (const key of ["opencontrail.org/network", "opencontrail.org/fip-pool"]) {
    if (ann[key] === undefined) continue;
    try {
      parseContrailDict(ann[key]);
    } catch (e) {
      out.push({ field: `metadata.annotations.${key}`, message: (e as Error).message });
    }
  }
  if (o.kind === "NetworkAttachmentDefinition" && !ann["opencontrail.org/cidr"]) {
    out.push({ field: "metadata.annotations.opencontrail.org/cidr", message: 'a NetworkAttachmentDefinition needs the annotation "opencontrail.org/cidr" with its subnet (e.g. "101.101.101.0/24")' });
  }
  if (o.kind === "Service") {
    (o.spec?.ports ?? []).forEach((p: { port: number; targetPort?: number | string }, i: number) => {
      if (p.targetPort !== undefined && typeof p.targetPort === "number" && p.targetPort !== p.port) {
        warnings.push({ field: `spec.ports.${i}.targetPort`, message: `targetPort ${p.targetPort} differs from port ${p.port}: the service VIP is a 1:1 floating IP (seed 004) and ports are not translated, so clients must use port ${p.targetPort}` });
      }
    });
  }
  return out;
}

/**
 * Contrail's annotation values: JSON, or the Python-dict style the seed shows
 * ("{'domain': 'default-domain', 'project': 'k8s-ns-user-1', 'network': 'vn-ns-default', 'name': 'pool-ns-default'}").
 */
export function parseContrailDict(text: string): Record<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    try {
      v = JSON.parse(text.replace(/'/g, '"'));
    } catch {
      throw new Error(`not a dictionary: expected {"domain": "…", "project": "…", "network"/"name": "…"} (JSON or the Python style with single quotes), got ${text}`);
    }
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error(`not a dictionary: ${text}`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = String(x);
  return out;
}

/**
 * Limits on what one manifest may hold, so that no request can stall the event loop or exhaust
 * memory (issue 14): etcd's default request limit is 1.5 MiB per object (--max-request-bytes), so a
 * bigger document cannot be a Kubernetes object; YAML aliases expand at most MAX_ALIASES times (a
 * "billion laughs" document is refused, the yaml library's maxAliasCount); nesting is bounded.
 */
export const MANIFEST_LIMITS = { maxDocumentBytes: 1.5 * 1024 * 1024, maxDocuments: 50_000, maxAliases: 50, maxDepth: 64 };

/** The manifest's documents as text, split at the document markers (`---` / `...` at column 0). */
function splitDocuments(text: string): { text: string; firstLine: number }[] {
  const out: { text: string; firstLine: number }[] = [];
  const marker = /^(---|\.\.\.)(?=\s|$)/;
  let start = 0;
  let startLine = 0;
  let line = 0;
  let pos = 0;
  while (pos <= text.length) {
    const nl = text.indexOf("\n", pos);
    const end = nl === -1 ? text.length : nl;
    if (pos > start && marker.test(text.slice(pos, Math.min(end, pos + 4)))) {
      out.push({ text: text.slice(start, pos), firstLine: startLine });
      start = pos;
      startLine = line;
    }
    if (nl === -1) break;
    pos = nl + 1;
    line++;
  }
  out.push({ text: text.slice(start), firstLine: startLine });
  return out;
}

/**
 * Flow collections ([…], {…}) nested deeper than `max`, found by a linear scan before the YAML
 * parser sees the text: the parser recurses per level, and 100,000 brackets take it seconds to
 * fail (a stall), not microseconds. Quoted scalars and comments are skipped; a stray bracket in a
 * plain scalar only counts towards a limit no real object comes near.
 */
function flowTooDeep(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      if (depth > 0) depth--;
    } else if (c === 0x22) {
      // "…" with backslash escapes
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x27 && (i === 0 || /[\s\[{,:]/.test(text[i - 1]))) {
      // '…' ('' is a quote inside) — only where a scalar can start, not an apostrophe in a word
      const end = text.indexOf("'", i + 1);
      i = end === -1 ? text.length : end;
    } else if (c === 0x23 && (i === 0 || /\s/.test(text[i - 1]))) {
      const nl = text.indexOf("\n", i);
      i = nl === -1 ? text.length : nl;
    }
  }
  return false;
}

/** Deeper than `max` levels (checked without recursion). */
function tooDeep(v: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (!x || typeof x !== "object") continue;
    if (d > max) return true;
    for (const c of Array.isArray(x) ? x : Object.values(x)) if (c && typeof c === "object") stack.push([c, d + 1]);
  }
  return false;
}

/**
 * Parses a multi-document manifest; issues carry the line of the offending field. Each document is
 * parsed on its own and the work yields to the event loop between documents (every few ms), so a
 * large manifest never holds the process (agent keepalives, other requests) for long.
 */
export async function parseManifestSliced(text: string, defaultNamespace = "default", sliceMs = 8): Promise<ParsedDocument[]> {
  const out: ParsedDocument[] = [];
  let since = performance.now();
  for (const chunk of splitDocuments(text)) {
    parseChunk(chunk, defaultNamespace, out);
    if (out.length > MANIFEST_LIMITS.maxDocuments) {
      throw Object.assign(new Error(`the manifest has more than ${MANIFEST_LIMITS.maxDocuments} documents: split it`), { code: "bad_request" });
    }
    if (performance.now() - since > sliceMs) {
      await new Promise((r) => setImmediate(r));
      since = performance.now();
    }
  }
  return out;
}

/** The same, at once (small inputs: tests, one object). */
export function parseManifest(text: string, defaultNamespace = "default"): ParsedDocument[] {
  const out: ParsedDocument[] = [];
  for (const chunk of splitDocuments(text)) parseChunk(chunk, defaultNamespace, out);
  return out;
}

function parseChunk(chunk: { text: string; firstLine: number }, defaultNamespace: string, out: ParsedDocument[]) {
  const bad = (line: number, message: string) => out.push({ index: out.length, line, object: null, ref: { kind: "", namespace: "", name: "" }, issues: [{ field: "", message, line }], warnings: [] });
  if (!chunk.text.trim() || /^(---|\.\.\.)?\s*$/.test(chunk.text.replace(/^\s*#.*$/gm, "").trim())) return; // empty (a --- at the end, comments)
  if (Buffer.byteLength(chunk.text) > MANIFEST_LIMITS.maxDocumentBytes) {
    bad(chunk.firstLine + 1, `this document is ${(Buffer.byteLength(chunk.text) / 1048576).toFixed(1)} MiB: a Kubernetes object is at most 1.5 MiB (etcd's request limit)`);
    return;
  }
  if (flowTooDeep(chunk.text, MANIFEST_LIMITS.maxDepth)) {
    bad(chunk.firstLine + 1, `the document is nested deeper than ${MANIFEST_LIMITS.maxDepth} levels`);
    return;
  }
  const lc = new LineCounter();
  const at = (offset: number) => lc.linePos(offset).line + chunk.firstLine;
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(chunk.text, { lineCounter: lc, prettyErrors: false });
  } catch (e) {
    bad(chunk.firstLine + 1, e instanceof RangeError ? "the document is nested too deeply to parse" : `not YAML: ${(e as Error).message}`);
    return;
  }
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    const start = (doc.contents as { range?: [number, number, number] } | null)?.range?.[0] ?? doc.range?.[0] ?? 0;
    const line = at(start);
    if (doc.errors.length) {
      out.push({ index: out.length, line, object: null, ref: { kind: "", namespace: "", name: "" }, issues: doc.errors.map((e) => ({ field: "", message: e.message.split("\n")[0], line: at(e.pos[0]) })), warnings: [] });
      continue;
    }
    let js: unknown;
    try {
      js = doc.toJS({ maxAliasCount: MANIFEST_LIMITS.maxAliases });
    } catch (e) {
      // yaml: "Excessive alias count indicates a resource exhaustion attack"; a stack overflow on depth
      bad(line, e instanceof RangeError ? "the document is nested too deeply" : `${(e as Error).message} (at most ${MANIFEST_LIMITS.maxAliases} alias expansions per document)`);
      continue;
    }
    if (js === null || js === undefined) continue; // an empty document (--- at the end)
    if (tooDeep(js, MANIFEST_LIMITS.maxDepth)) {
      bad(line, `the document is nested deeper than ${MANIFEST_LIMITS.maxDepth} levels`);
      continue;
    }
    const items = js && typeof js === "object" && (js as { kind?: string }).kind === "List" ? ((js as { items?: unknown[] }).items ?? []) : [js];
    for (const item of items) {
      const { object, issues, warnings, ignored } = validateObject(item, defaultNamespace);
      for (const i of [...issues, ...warnings]) {
        const path = i.field ? i.field.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [];
        const l = lineOf(doc, lc, path);
        i.line = l === undefined ? line : l + chunk.firstLine;
      }
      const r = (item ?? {}) as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
      const ref = {
        kind: typeof r.kind === "string" ? r.kind : "",
        namespace: object?.metadata.namespace ?? (typeof r.metadata?.namespace === "string" ? r.metadata.namespace : r.kind === "Namespace" ? "" : defaultNamespace),
        name: typeof r.metadata?.name === "string" ? r.metadata.name : "",
      };
      out.push({ index: out.length, line, object, ref, issues, warnings, ...(ignored ? { ignored } : {}) });
    }
  }
}

function lineOf(doc: { getIn(p: unknown[], keep: boolean): unknown }, lc: LineCounter, path: (string | number)[]): number | undefined {
  // annotation keys contain dots and slashes: walk as far as the document has nodes
  for (let n = path.length; n >= 0; n--) {
    let p = path.slice(0, n);
    if (p[0] === "metadata" && p[1] === "annotations" && n > 2) p = ["metadata", "annotations", path.slice(2).join(".")];
    const node = doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === "object" && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Kubernetes label selector semantics (an empty selector selects everything). */
export function selects(sel: LabelSelector | null | undefined, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
    if (e.operator === "In" && (!has || !(e.values ?? []).includes(l[e.key]))) return false;
    if (e.operator === "NotIn" && has && (e.values ?? []).includes(l[e.key])) return false;
  }
  return true;
}

/** A Service / ReplicationController selector (a plain map); an empty or absent one selects nothing. */
export function mapSelects(sel: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!sel || Object.keys(sel).length === 0) return false;
  const l = labels ?? {};
  return Object.entries(sel).every(([k, v]) => l[k] === v);
}
