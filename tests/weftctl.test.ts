// weftctl as users run it: a child process (bin/weftctl.mjs) against a real server.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { type TestServer, startServer, tempDir } from "./helpers";

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "bin", "weftctl.mjs");

let s: TestServer;
let configDir: string;
let work: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs weftctl asynchronously: the server answers from this process's event loop. */
function weftctl(args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(childEnv)) if (k.startsWith("WEFT_")) delete childEnv[k];
    Object.assign(childEnv, { WEFT_URL: s.url, WEFT_CONFIG_DIR: configDir, ...env });
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: work, env: childEnv, timeout: 30_000, encoding: "utf8" },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function ok(args: string[], env?: Record<string, string>, input?: string): Promise<string> {
  const r = await weftctl(args, env, input);
  if (r.code !== 0) throw new Error(`weftctl ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const write = (name: string, text: string) => {
  const f = path.join(work, name);
  fs.writeFileSync(f, text);
  return f;
};

const NETWORK_YAML = (cidrs: string[]) => `
project:
  fq_name: [default-domain, cli]
---
virtual-network:
  fq_name: [default-domain, cli, web]
  network_ipam_refs:
    - to: [default-domain, default-project, default-network-ipam]
      attr:
        ipam_subnets:
${cidrs.map((c) => `          - subnet: {ip_prefix: ${c.split("/")[0]}, ip_prefix_len: ${c.split("/")[1]}}`).join("\n")}
---
- virtual-machine-interface:
    fq_name: [default-domain, cli, web-1]
    virtual_network_refs: [{to: [default-domain, cli, web]}]
- instance-ip:
    fq_name: [web-1-ip]
    virtual_network_refs: [{to: [default-domain, cli, web]}]
    virtual_machine_interface_refs: [{to: [default-domain, cli, web-1]}]
`;

beforeAll(async () => {
  s = await startServer();
  configDir = tempDir("weftctl-config-");
  work = tempDir("weftctl-work-");
});
afterAll(async () => {
  await s?.stop();
  for (const d of [configDir, work]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

describe("weftctl", () => {
  it("logs in, saving credentials 0600, and refuses bad ones", async () => {
    const bad = await weftctl(["login", "--user", s.admin.email, "--password", "wrong-password"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/authentication required/);
    expect(fs.existsSync(path.join(configDir, "credentials.json"))).toBe(false);

    const out = await ok(["login", "--user", s.admin.email, "--password", s.admin.password]);
    expect(out).toContain(`Logged in to ${s.url} as ${s.admin.email}`);
    const file = path.join(configDir, "credentials.json");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ server: s.url, user: s.admin.email, password: s.admin.password });
  });

  it("lists types and uses the saved login", async () => {
    const out = await ok(["types"]);
    expect(out).toMatch(/^TYPE\s+SHORT NAMES\s+PARENT$/m);
    expect(out).toMatch(/^virtual-machine-interface\s+port,vmi\s+project$/m);
  });

  it("creates from a YAML file and from flags", async () => {
    const f = write("project.yaml", "project:\n  fq_name: [default-domain, cli]\n  display_name: CLI project\n");
    expect(await ok(["create", "project", "-f", f])).toMatch(/^project default-domain:cli created \(uuid [0-9a-f-]{36}\)$/m);
    const made = s.services.engine.config.getByFqName("project", ["default-domain", "cli"])!;
    expect(made.display_name).toBe("CLI project");
    // weftctl's writes are audited as coming from the CLI
    expect((await s.services.engine.config.audit({ objectUuid: made.uuid }))[0]).toMatchObject({ source: "cli", actorEmail: s.admin.email });

    const vn = await ok(["create", "vn", "--name", "db", "--parent", "default-domain:cli", "--subnet", "10.60.0.0/24", "--set", "router_external=true", "-o", "json"]);
    const o = JSON.parse(vn)["virtual-network"];
    expect(o).toMatchObject({ fq_name: ["default-domain", "cli", "db"], router_external: true });
    expect(o.network_ipam_refs[0].attr.ipam_subnets[0].default_gateway).toBe("10.60.0.254");
  });

  it("lists as a table, JSON and YAML", async () => {
    const table = await ok(["list", "virtual-networks"]);
    const lines = table.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+FQ NAME\s+UUID\s+SUBNETS\s+VN ID\s+EXTERNAL$/);
    expect(lines[1]).toMatch(/^db\s+default-domain:cli:db\s+[0-9a-f-]{36}\s+10\.60\.0\.0\/24\s+\d+\s+yes$/);
    // columns are aligned: every row's UUID starts where the header's does
    const col = lines[0].indexOf("UUID");
    for (const l of lines.slice(1)) expect(l.slice(col)).toMatch(/^[0-9a-f]{8}-/);

    const json = JSON.parse(await ok(["list", "vn", "-o", "json"]));
    expect(json["virtual-networks"]).toEqual([expect.objectContaining({ fq_name: ["default-domain", "cli", "db"], uuid: expect.any(String), href: expect.any(String) })]);
    const yaml = YAML.parse(await ok(["list", "vn", "--detail", "-o", "yaml", "--parent", "default-domain:cli"]));
    expect(yaml["virtual-networks"][0]["virtual-network"].router_external).toBe(true);
    const none = await weftctl(["list", "vn", "--parent", "default-domain:default-project"]);
    expect(none.code).toBe(0);
    expect(none.stderr).toMatch(/No virtual-networks found/);
  });

  it("gets one object by fq_name or uuid", async () => {
    const out = await ok(["get", "vn", "default-domain:cli:db"]);
    expect(out).toMatch(/^db\s+default-domain:cli:db\s+/m);
    const uuid = s.services.engine.config.getByFqName("virtual-network", ["default-domain", "cli", "db"])!.uuid;
    const json = JSON.parse(await ok(["get", "virtual-network", uuid, "-o", "json"]));
    expect(json["virtual-network"]).toMatchObject({ uuid, fq_name: ["default-domain", "cli", "db"] });
    const missing = await weftctl(["get", "vn", "default-domain:cli:nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/virtual-network default-domain:cli:nope not found/);
  });

  it("applies: created, then unchanged, then configured", async () => {
    const f = write("net.yaml", NETWORK_YAML(["10.70.0.0/24"]));
    expect((await ok(["apply", "-f", f])).trim().split("\n")).toEqual([
      "project default-domain:cli unchanged",
      "virtual-network default-domain:cli:web created",
      "virtual-machine-interface default-domain:cli:web-1 created",
      "instance-ip web-1-ip created",
    ]);
    expect((await ok(["apply", "-f", f])).trim().split("\n")).toEqual([
      "project default-domain:cli unchanged",
      "virtual-network default-domain:cli:web unchanged",
      "virtual-machine-interface default-domain:cli:web-1 unchanged",
      "instance-ip web-1-ip unchanged",
    ]);
    write("net.yaml", NETWORK_YAML(["10.70.0.0/24", "10.71.0.0/24"]));
    expect(await ok(["apply", "-f", f])).toContain("virtual-network default-domain:cli:web configured\nvirtual-machine-interface default-domain:cli:web-1 unchanged");
    const web = s.services.engine.config.getByFqName("virtual-network", ["default-domain", "cli", "web"])!;
    expect(web.resource_version).toBe(2);
    const table = await ok(["get", "vn", "default-domain:cli:web"]);
    expect(table).toContain("10.70.0.0/24,10.71.0.0/24");
    expect(await ok(["list", "iip"])).toMatch(/^web-1-ip\s+web-1-ip\s+[0-9a-f-]{36}\s+10\.7[01]\.0\.\d+\s+default-domain:cli:web\s+default-domain:cli:web-1$/m);

    // what `get -o yaml` prints applies back unchanged
    const exported = await ok(["get", "vn", "default-domain:cli:web", "-o", "yaml"]);
    expect(await ok(["apply", "-f", "-"], {}, exported)).toBe("virtual-network default-domain:cli:web unchanged\n");
  });

  it("stops apply at the first error with the server's message", async () => {
    const f = write("bad.yaml", `
virtual-network:
  fq_name: [default-domain, cli, first]
---
virtual-network:
  fq_name: [default-domain, cli, broken]
  route_target_list: {route_target: ["64512:1"]}
---
virtual-network:
  fq_name: [default-domain, cli, never]
`);
    const r = await weftctl(["apply", "-f", f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("virtual-network default-domain:cli:first created\n");
    expect(r.stderr).toMatch(/route_target_list\.route_target\.0: "64512:1" is not a route target/);
    expect(s.services.engine.config.getByFqName("virtual-network", ["default-domain", "cli", "never"])).toBeUndefined();
  });

  it("prints a validation error with its field and exits 1", async () => {
    const r = await weftctl(["create", "vn", "--name", "bad", "--parent", "default-domain:cli", "--subnet", "10.80.0.1/24"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: network_ipam_refs\.0\.attr\.ipam_subnets\.0\.subnet: 10\.80\.0\.1\/24 has host bits set/m);
    const unknown = await weftctl(["create", "vn", "--name", "bad", "--parent", "default-domain:cli", "--set", "colour=blue"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: colour: unknown field for virtual-network/m);
    // several issues: the message, then each field on its own line
    const multi = await weftctl(["create", "vn", "--name", "bad", "--parent", "default-domain:cli", "--set", "router_external=maybe", "--set", "virtual_network_properties.forwarding_mode=l4"]);
    expect(multi.code).toBe(1);
    expect(multi.stderr).toMatch(/^error: .*router_external.*; .*forwarding_mode/m);
    expect(multi.stderr).toMatch(/^ {2}router_external: /m);
    expect(multi.stderr).toMatch(/^ {2}virtual_network_properties\.forwarding_mode: forwarding_mode must be one of l2_l3, l2, l3$/m);
    const usage = await weftctl(["list", "widgets"]);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/unknown type "widgets"/);
  });

  it("deletes, reporting objects still in use", async () => {
    const inUse = await weftctl(["delete", "vn", "default-domain:cli:web"]);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/still in use .*virtual-machine-interface default-domain:cli:web-1/);
    const out = await ok(["delete", "iip", "web-1-ip"]);
    expect(out).toBe("instance-ip web-1-ip deleted\n");
    expect(await ok(["delete", "port", "default-domain:cli:web-1"])).toContain("deleted");
    const uuid = s.services.engine.config.getByFqName("virtual-network", ["default-domain", "cli", "web"])!.uuid;
    expect(await ok(["delete", "vn", uuid, "default-domain:cli:first"])).toBe(`virtual-network ${uuid} deleted\nvirtual-network default-domain:cli:first deleted\n`);
    expect(s.services.engine.config.find(uuid)).toBeUndefined();
  });

  it("kube apply -f / get / delete -f: per-document results, errors with line and field, exit 1", async () => {
    const manifest = write(
      "app.yaml",
      `apiVersion: v1
kind: Namespace
metadata: { name: cli-ns, annotations: { opencontrail.org/isolation: "true" } }
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: cli-ns }
spec: { ports: [{ port: 8080 }] }
`,
    );
    const applied = await ok(["kube", "apply", "-f", manifest]);
    expect(applied).toContain("namespace/cli-ns created (isolated)");
    expect(applied).toMatch(/service\/api -n cli-ns created \(cluster IP 10\.\d+\.\d+\.\d+\)/);
    expect(await ok(["kube", "apply", "-f", manifest])).toContain("namespace/cli-ns unchanged");
    const got = await ok(["kube", "get", "svc", "-n", "cli-ns"]);
    expect(got).toMatch(/cli-ns\s+api\s+ready\s+cluster IP/);
    const bad = await weftctl(["kube", "apply", "-f", "-"], {}, "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  type: Magic\n");
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("service/x -n default invalid");
    expect(bad.stderr).toMatch(/line 6: spec\.type: type must be ClusterIP, NodePort, LoadBalancer or ExternalName/);
    const del = await ok(["kube", "delete", "-f", manifest]);
    expect(del).toContain("namespace/cli-ns deleted");
  });

  it("refuses a viewer's token with the server's 403 message", async () => {
    const viewer = (await s.services.accounts.actorFromHeaders(
      new Headers({ authorization: `Basic ${Buffer.from(`${s.viewer.email}:${s.viewer.password}`).toString("base64")}` }),
      "api",
    ))!;
    const { token } = await s.services.accounts.createToken(viewer, "cli-test");
    expect(await ok(["get", "vn", "default-domain:cli:db"], { WEFT_TOKEN: token })).toContain("default-domain:cli:db");
    const r = await weftctl(["delete", "vn", "default-domain:cli:db"], { WEFT_TOKEN: token });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${s.viewer.email} has the viewer role: read-only access`);
    expect(s.services.engine.config.getByFqName("virtual-network", ["default-domain", "cli", "db"])).toBeDefined();

    // a token login is saved and used
    expect(await ok(["login", "--token", token])).toContain("with an API token");
    expect(JSON.parse(fs.readFileSync(path.join(configDir, "credentials.json"), "utf8"))).toEqual({ server: s.url, token });
    const r2 = await weftctl(["create", "sg", "--name", "x", "--parent", "default-domain:cli"]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/read-only access/);
  });

  it("exits 2 when the server is unreachable", async () => {
    const r = await weftctl(["list", "vn"], { WEFT_URL: "http://127.0.0.1:9" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot reach the Weft server at http:\/\/127\.0\.0\.1:9/);
  });

  it("has help with examples for every command", async () => {
    for (const cmd of ["login", "logout", "types", "list", "get", "create", "delete", "apply"]) {
      const out = await ok([cmd, "--help"]);
      expect(out, cmd).toContain(`Usage: weftctl ${cmd}`);
      expect(out, cmd).toContain("Examples:");
    }
  });

  it("logs out", async () => {
    expect(await ok(["logout"])).toMatch(/Logged out/);
    expect(fs.existsSync(path.join(configDir, "credentials.json"))).toBe(false);
    const r = await weftctl(["list", "vn"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/authentication required.*weftctl login/);
  });
});
