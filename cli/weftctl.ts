// weftctl: Weft's command-line client. Talks only to the REST API (/vnc) of a Weft server.
import fs from "node:fs";
import { createRequire } from "node:module";
import { Command, Option } from "commander";
import { CONFIG_ROOT, OBJECT_TYPES, type ObjectType, TYPES, fqString } from "../server/engine/model/types";
import { applyAll } from "./apply";
import { type Obj, applyRef, applySet, applySubnets, createBodyFromFile, readValues, toDocument } from "./body";
import { ApiError, Client, type ConnectionFlags, UnreachableError, UsageError, resolveConnection } from "./client";
import { credentialsFile, removeCredentials, saveCredentials } from "./credentials";
import { type Format, objectTable, parseFormat, serialize, table } from "./output";
import { aliasesOf, isUuid, parseFq, resolveId, resolveParent, resolveType } from "./types";

type GlobalOpts = ConnectionFlags & { output?: string };

const pkg = createRequire(import.meta.url)("../package.json") as { version: string };
const out = (s: string): void => void process.stdout.write(`${s}\n`);
const err = (s: string): void => void process.stderr.write(`${s}\n`);
const collect = (v: string, prev: string[]) => [...prev, v];

// `weftctl list vn -o json | head` closes the pipe early: that is not an error
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});

function context(cmd: Command): { client: Client; format: Format } {
  const o = cmd.optsWithGlobals<GlobalOpts>();
  const format = parseFormat(o.output);
  const { server, credentials } = resolveConnection(o);
  return { client: new Client(server, credentials), format };
}

function report(e: unknown): number {
  if (e instanceof UnreachableError) {
    err(`error: ${e.message}`);
    return 2;
  }
  if (e instanceof ApiError) {
    err(`error: ${e.message}`);
    for (const i of e.issues) if (e.message !== `${i.field}: ${i.message}`) err(`  ${i.field}: ${i.message}`);
    return 1;
  }
  err(`error: ${e instanceof Error ? e.message : String(e)}`);
  return 1;
}

/** Commander action wrapper: errors become messages and exit codes, never stack traces. */
function run<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      process.exitCode = report(e);
    }
  };
}

const items = (data: Obj, type: ObjectType) => ((data[`${type}s`] as Obj[] | undefined) ?? []).map((x) => (x[type] as Obj | undefined) ?? x);

const program = new Command("weftctl")
  .description("Command-line client for the Weft SDN controller (Contrail VNC config API at <server>/vnc)")
  .version(pkg.version)
  // env vars are read by resolveConnection, not commander, so a flag of one kind (--user) beats an
  // env var of the other (WEFT_TOKEN)
  .option("-s, --server <url>", "Weft server URL (env WEFT_URL; default http://localhost:3000)")
  .option("--token <token>", "API token, sent as Bearer (env WEFT_TOKEN)")
  .option("-u, --user <email>", "user for HTTP Basic (env WEFT_USER)")
  .option("-p, --password <password>", "password for HTTP Basic (env WEFT_PASSWORD)")
  .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json", "yaml"]).default("table"))
  .configureHelp({ showGlobalOptions: true })
  .showHelpAfterError("(run with --help for usage)")
  .addHelpText(
    "after",
    `
Credentials: --token / WEFT_TOKEN, or --user + --password / WEFT_USER + WEFT_PASSWORD, or the login
saved by \`weftctl login\` in $WEFT_CONFIG_DIR/credentials.json (default ~/.config/weft).
Exit codes: 0 ok, 1 error (the server's message is printed), 2 server unreachable.

Examples:
  weftctl login --server http://weft:3000 --user admin@weft.local --password '…'
  weftctl list vn
  weftctl get vn default-domain:demo:web -o yaml
  weftctl apply -f network.yaml`,
  );

program
  .command("login")
  .description("Check credentials against the server and save them")
  .addHelpText(
    "after",
    `
Saves server and credentials to $WEFT_CONFIG_DIR/credentials.json (mode 0600).

Examples:
  weftctl login --server http://weft:3000 --user admin@weft.local --password secret
  weftctl login --server http://weft:3000 --token weft_AbC…`,
  )
  .action(
    run(async (_opts: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<GlobalOpts>();
      const { server, credentials } = resolveConnection(o, null);
      if (!credentials) throw new UsageError("login needs --user and --password, or --token");
      await new Client(server, credentials).get("");
      const file = saveCredentials({ server, ...credentials });
      out(`Logged in to ${server} ${"token" in credentials ? "with an API token" : `as ${credentials.user}`} (saved in ${file})`);
    }),
  );

program
  .command("logout")
  .description("Forget the saved login")
  .addHelpText("after", "\nExamples:\n  weftctl logout\n  WEFT_CONFIG_DIR=/tmp/weft weftctl logout")
  .action(
    run(async () => {
      out(removeCredentials() ? `Logged out (removed ${credentialsFile()})` : "Not logged in");
    }),
  );

program
  .command("types")
  .description("List the object types the server knows, with their short names")
  .addHelpText("after", "\nExamples:\n  weftctl types\n  weftctl types -o json")
  .action(
    run(async (_opts: unknown, cmd: Command) => {
      const { client, format } = context(cmd);
      const root = await client.get<{ links: { link: { name: string; href: string } }[] }>("");
      const known = new Set<string>(OBJECT_TYPES);
      const rows = root.links
        .map((l) => l.link.name)
        .filter((n): n is ObjectType => known.has(n))
        .map((t) => ({ type: t, collection: `${t}s`, aliases: aliasesOf(t), parents: TYPES[t].parents }));
      if (format !== "table") return out(serialize(rows, format));
      out(table(["TYPE", "SHORT NAMES", "PARENT"], rows.map((r) => [r.type, r.aliases.join(",") || "-", r.parents.map((p) => (p === CONFIG_ROOT ? "(top level)" : p)).join(",")])));
    }),
  );

program
  .command("list")
  .alias("ls")
  .description("List objects of a type")
  .argument("<type>", "object type, e.g. virtual-network, vn, port, iip, fip, sg, policy, ipam")
  .option("--parent <fq_name|uuid>", "only children of this parent (e.g. a project default-domain:demo)")
  .option("--detail", "full objects (json/yaml; the table always shows details)")
  .addHelpText(
    "after",
    `
Examples:
  weftctl list vn
  weftctl list ports --parent default-domain:demo
  weftctl list iip -o json --detail`,
  )
  .action(
    run(async (typeArg: string, opts: { parent?: string; detail?: boolean }, cmd: Command) => {
      const { client, format } = context(cmd);
      const type = resolveType(typeArg);
      const q = new URLSearchParams();
      if (opts.parent) q.set("parent_id", await resolveParent(client, type, opts.parent));
      if (opts.detail || format === "table") q.set("detail", "true");
      const data = await client.get<Obj>(`/${type}s${q.size ? `?${q}` : ""}`);
      if (format !== "table") return out(serialize(data, format));
      const objs = items(data, type);
      if (!objs.length) return err(`No ${type}s found${opts.parent ? ` under ${opts.parent}` : ""}.`);
      out(objectTable(type, objs));
    }),
  );

program
  .command("get")
  .description("Show one object, by fq_name (a:b:c) or uuid")
  .argument("<type>", "object type")
  .argument("<fq_name|uuid>", "e.g. default-domain:demo:web, or a uuid")
  .addHelpText(
    "after",
    `
Examples:
  weftctl get vn default-domain:demo:web
  weftctl get port 6f1c2a9e-0c47-4f58-9f0b-3d8f6b2a1c11 -o json
  weftctl get vn default-domain:demo:web -o yaml > web.yaml   # edit, then: weftctl apply -f web.yaml`,
  )
  .action(
    run(async (typeArg: string, ref: string, _opts: unknown, cmd: Command) => {
      const { client, format } = context(cmd);
      const type = resolveType(typeArg);
      const uuid = await resolveId(client, type, ref);
      const data = await client.get<Record<string, Obj>>(`/${type}/${uuid}`);
      out(format === "table" ? objectTable(type, [data[type]]) : serialize(data, format));
    }),
  );

program
  .command("create")
  .description("Create an object from a file or from flags")
  .argument("<type>", "object type")
  .option("-f, --filename <file>", "YAML or JSON file ({<type>: {...}} or the bare object); - for stdin")
  .option("--name <name>", "name of the new object")
  .option("--parent <fq_name|uuid>", "parent (a project for most types)")
  .option("--set <key=value>", "set a field; dotted keys for nested fields; value read as YAML (repeatable)", collect, [])
  .option("--ref <type=fq_name|uuid>", "add a ref, e.g. --ref vn=default-domain:demo:web (repeatable)", collect, [])
  .option("--subnet <cidr>", "virtual-network subnet, e.g. 10.0.0.0/24 (repeatable)", collect, [])
  .option("--ipam <fq_name|uuid>", "IPAM for --subnet", "default-domain:default-project:default-network-ipam")
  .addHelpText(
    "after",
    `
Examples:
  weftctl create project --name demo --parent default-domain
  weftctl create vn --name web --parent default-domain:demo --subnet 10.10.0.0/24
  weftctl create port --name web-1 --parent default-domain:demo --ref vn=default-domain:demo:web
  weftctl create vn --name ext --parent default-domain:demo --subnet 203.0.113.0/24 --set router_external=true
  weftctl create vn -f web.yaml`,
  )
  .action(
    run(
      async (
        typeArg: string,
        opts: { filename?: string; name?: string; parent?: string; set: string[]; ref: string[]; subnet: string[]; ipam: string },
        cmd: Command,
      ) => {
        const { client, format } = context(cmd);
        const type = resolveType(typeArg);
        const topLevel = TYPES[type].parents.includes(CONFIG_ROOT);
        const body: Obj = opts.filename ? createBodyFromFile(type, opts.filename) : {};
        if (!opts.filename && !opts.name) throw new UsageError("create needs -f <file>, or --name (with --parent unless the type is top-level)");
        if (opts.name) {
          if (opts.parent && isUuid(opts.parent)) Object.assign(body, { name: opts.name, parent_uuid: opts.parent });
          else if (opts.parent) body.fq_name = [...parseFq(opts.parent), opts.name];
          else if (topLevel) body.fq_name = [opts.name];
          else if (!body.fq_name && !body.parent_uuid) throw new UsageError(`--parent <fq_name|uuid> is required: a ${type}'s parent is a ${TYPES[type].parents.join(" or ")}`);
          else body.name = opts.name;
        }
        if (opts.subnet.length) {
          if (type !== "virtual-network") throw new UsageError("--subnet is for virtual networks");
          applySubnets(body, opts.subnet, opts.ipam);
        }
        for (const r of opts.ref) applyRef(body, r);
        for (const s of opts.set) applySet(body, s);
        const created = await client.post<Record<string, Obj>>(`/${type}s`, { [type]: body });
        const o = created[type];
        out(format === "table" ? `${type} ${fqString(o.fq_name as string[])} created (uuid ${o.uuid})` : serialize(created, format));
      },
    ),
  );

program
  .command("delete")
  .alias("rm")
  .description("Delete objects by fq_name or uuid")
  .argument("<type>", "object type")
  .argument("<fq_name|uuid...>", "one or more objects")
  .addHelpText(
    "after",
    `
Each object is deleted on its own; the exit code is 1 if any could not be deleted.

Examples:
  weftctl delete vn default-domain:demo:web
  weftctl delete port default-domain:demo:web-1 default-domain:demo:web-2`,
  )
  .action(
    run(async (typeArg: string, refs: string[], _opts: unknown, cmd: Command) => {
      const { client } = context(cmd);
      const type = resolveType(typeArg);
      let failed = 0;
      for (const ref of refs) {
        try {
          const uuid = await resolveId(client, type, ref);
          await client.delete(`/${type}/${uuid}`);
          out(`${type} ${ref} deleted`);
        } catch (e) {
          if (e instanceof UnreachableError) throw e;
          if (e instanceof ApiError && !e.message.includes(ref)) e.message = `${type} ${ref}: ${e.message}`;
          report(e);
          failed++;
        }
      }
      if (failed) process.exitCode = 1;
    }),
  );

program
  .command("apply")
  .description("Create or update objects from a YAML/JSON file (multi-document or a list)")
  .requiredOption("-f, --filename <file>", "YAML or JSON file; - for stdin")
  .addHelpText(
    "after",
    `
Each document is {<type>: {...}} in the VNC API's shape. An object whose fq_name does not exist is
created; otherwise the given fields are PUT. Prints created / configured / unchanged per object and
stops at the first error.

Example file:
  project:
    fq_name: [default-domain, demo]
  ---
  virtual-network:
    fq_name: [default-domain, demo, web]
    network_ipam_refs:
      - to: [default-domain, default-project, default-network-ipam]
        attr:
          ipam_subnets:
            - subnet: {ip_prefix: 10.10.0.0, ip_prefix_len: 24}

Examples:
  weftctl apply -f demo.yaml
  weftctl get vn default-domain:demo:web -o yaml | weftctl apply -f -`,
  )
  .action(
    run(async (opts: { filename: string }, cmd: Command) => {
      const { client, format } = context(cmd);
      const docs = readValues(opts.filename).map((v) => toDocument(v.value, v.source));
      if (!docs.length) throw new UsageError(`${opts.filename}: no objects`);
      const done = await applyAll(client, docs, (a) => {
        if (format === "table") out(`${a.type} ${fqString(a.fq_name)} ${a.result}`);
      });
      if (format !== "table") out(serialize(done, format));
    }),
  );

// ---- Kubernetes: kubectl apply/delete -f for the kube manager (POST|DELETE /api/v1/kube/apply)
type KubeResult = {
  index: number;
  line: number;
  kind: string;
  namespace: string;
  name: string;
  action: string;
  errors: { field: string; message: string; line?: number }[];
  warnings: { field: string; message: string }[];
  status?: { state: string; message: string; warnings: string[] };
};
const KUBE_KINDS: Record<string, string> = {
  ns: "Namespace", namespace: "Namespace", namespaces: "Namespace",
  po: "Pod", pod: "Pod", pods: "Pod",
  svc: "Service", service: "Service", services: "Service",
  ing: "Ingress", ingress: "Ingress", ingresses: "Ingress",
  netpol: "NetworkPolicy", networkpolicy: "NetworkPolicy", networkpolicies: "NetworkPolicy",
  deploy: "Deployment", deployment: "Deployment", deployments: "Deployment",
  rc: "ReplicationController", replicationcontroller: "ReplicationController", replicationcontrollers: "ReplicationController",
  rs: "ReplicaSet", replicaset: "ReplicaSet", replicasets: "ReplicaSet",
  "net-attach-def": "NetworkAttachmentDefinition", networkattachmentdefinition: "NetworkAttachmentDefinition", networkattachmentdefinitions: "NetworkAttachmentDefinition",
};

function printKube(results: KubeResult[], format: Format) {
  if (format !== "table") return out(serialize(results, format));
  for (const r of results) {
    const what = `${r.kind.toLowerCase() || "document"}/${r.name || `#${r.index + 1}`}${r.namespace ? ` -n ${r.namespace}` : ""}`;
    out(`${what} ${r.action}${r.status && r.status.state !== "ready" ? ` (${r.status.state}: ${r.status.message})` : r.status?.message ? ` (${r.status.message})` : ""}`);
    for (const e of r.errors) err(`  line ${e.line ?? r.line}: ${e.field ? `${e.field}: ` : ""}${e.message}`);
    for (const w of [...r.warnings.map((x) => `${x.field}: ${x.message}`), ...(r.status?.warnings ?? [])]) err(`  warning: ${w}`);
  }
}

const computeNode = program.command("compute-node").description("compute nodes (virtual-routers) and their enrolment");
computeNode
  .command("enrol")
  .description("issue a one-time enrolment token for a compute node (admin): its agent starts with it once and receives its certificate")
  .argument("<name|uuid>", "virtual-router name (e.g. compute-1), fq_name or uuid")
  .option("--ttl <seconds>", "how long the token stays valid (60..604800; default 3600)")
  .addHelpText(
    "after",
    `
Examples:
  weftctl compute-node enrol compute-4
  weftctl compute-node enrol compute-4 --ttl 600 -o json`,
  )
  .action(
    run(async (ref: string, opts: { ttl?: string }, cmd: Command) => {
      const { client, format } = context(cmd);
      const fq = isUuid(ref) || ref.includes(":") ? ref : `default-global-system-config:${ref}`;
      const uuid = await resolveId(client, "virtual-router", fq);
      if (opts.ttl !== undefined && !/^\d+$/.test(opts.ttl)) throw new UsageError(`--ttl ${opts.ttl}: a whole number of seconds`);
      const r = await client.post<{ "enrolment-token": { token: string; expires_at: string; virtual_router: string; agent_command: string } }>(
        `/virtual-router/${uuid}/enrolment-token`,
        opts.ttl !== undefined ? { ttl_seconds: Number(opts.ttl) } : {},
      );
      const t = r["enrolment-token"];
      if (format !== "table") return out(serialize(r, format));
      out(`enrolment token for ${t.virtual_router} (single use, valid until ${t.expires_at}):\n${t.token}\n\nstart the node's agent with it once:\n  ${t.agent_command}`);
      }),
    );

interface ReachAnswer {
  verdict: string;
  reason: string;
  steps: { node: string; step: string; detail: string }[];
  deciding: { stage: string; node: string; origin: string; acl: string } | null;
  suggestion: { summary: string; verified: boolean; changes: unknown[] } | null;
}

program
  .command("reachability")
  .alias("why")
  .description("can a port reach an address? answered from the compiled state (no packet sent), with the change that would make it pass")
  .argument("<port>", "source port or workload (uuid or fq_name)")
  .argument("<destination>", "destination address")
  .option("--protocol <p>", "tcp, udp or icmp", "tcp")
  .option("--port <n>", "destination port")
  .option("--apply", "apply the suggested change (operators and admins)")
  .action(
    run(async (port: string, destination: string, opts: { protocol: string; port?: string; apply?: boolean }, cmd: Command) => {
      const { client, format } = context(cmd);
      const body = { port, destination, protocol: opts.protocol, ...(opts.port ? { dst_port: Number(opts.port) } : {}) };
      const a = await client.request<ReachAnswer>("POST", "/reachability", body);
      if (format !== "table") out(serialize(a, format));
      else {
        out(`${a.verdict.toUpperCase()}: ${a.reason}`);
        if (a.deciding) out(`decided by ${a.deciding.stage} on ${a.deciding.node}: ${a.deciding.origin || a.deciding.acl}`);
        out(table(["#", "NODE", "STEP", "DETAIL"], a.steps.map((h, i) => [String(i + 1), h.node, h.step, h.detail])));
        if (a.suggestion) out(`suggestion${a.suggestion.verified ? " (checked)" : ""}: ${a.suggestion.summary}`);
      }
      if (opts.apply && a.suggestion?.changes.length) {
        const r = await client.request<{ applied: { type: string; fq_name: string[] }[] }>("POST", "/reachability/apply", { changes: a.suggestion.changes });
        for (const o of r.applied) err(`applied: ${o.type} ${o.fq_name.join(":")}`);
      }
      if (a.verdict !== "allowed" && !opts.apply) process.exitCode = 3;
    }),
  );

const kube = program.command("kube").description("Kubernetes manifests for the kube manager (like kubectl apply/delete -f)");
for (const [name, method, help] of [
  ["apply", "POST", "create or update the objects of a manifest (YAML, several documents)"],
  ["delete", "DELETE", "delete the objects a manifest names"],
] as const) {
  kube
    .command(name)
    .description(help)
    .requiredOption("-f, --filename <file>", "manifest file, or - for standard input")
    .option("-n, --namespace <ns>", "namespace for documents that name none", "default")
    .option("--dry-run", "validate only (apply)")
    .action(
      run(async (opts: { filename: string; namespace: string; dryRun?: boolean }, cmd: Command) => {
        const { client, format } = context(cmd);
        const text = opts.filename === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(opts.filename, "utf8");
        const q = new URLSearchParams({ namespace: opts.namespace, ...(opts.dryRun ? { dry_run: "true" } : {}) });
        const r = await client.request<{ ok: boolean; results: KubeResult[] }>(method, `/api/v1/kube/apply?${q}`, text);
        printKube(r.results, format);
        if (!r.ok) process.exitCode = 1;
      }),
    );
}
kube
  .command("get")
  .description("list Kubernetes objects with their status (kinds: ns, po, svc, ing, netpol, deploy, rc, rs, net-attach-def)")
  .argument("<kind>", "kind or short name")
  .option("-n, --namespace <ns>", "only this namespace")
  .action(
    run(async (kindArg: string, opts: { namespace?: string }, cmd: Command) => {
      const { client, format } = context(cmd);
      const kind = KUBE_KINDS[kindArg.toLowerCase()];
      if (!kind) throw new UsageError(`unknown kind ${kindArg}: use one of ${Object.keys(KUBE_KINDS).join(", ")}`);
      const q = new URLSearchParams({ kind, ...(opts.namespace ? { namespace: opts.namespace } : {}) });
      const r = await client.get<{ objects: { namespace: string; name: string; status: { state: string; message: string }; produced: { type: string }[] }[] }>(`/api/v1/kube/objects?${q}`);
      if (format !== "table") return out(serialize(r.objects, format));
      out(table(["NAMESPACE", "NAME", "STATE", "STATUS", "WEFT OBJECTS"], r.objects.map((o) => [o.namespace, o.name, o.status.state, o.status.message, String(o.produced.length)])));
    }),
  );

program.parseAsync(process.argv).catch((e: unknown) => {
  process.exitCode = report(e);
});
