// An acknowledged Kubernetes apply survives kill -9 (issue 14): the objects are in the config
// database (table KubeObject) before the 200, so a real server process killed right after the
// answer finds them again at restart and reconciles them. And the one-time import of the JSON file
// older versions kept (<data>/kube/objects.json).
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { ADMIN, startEngine, tempDir } from "../helpers";

const HOST = "127.0.33.10";
const PORT = 33_110;
const ADMIN_USER = { email: "admin@durable.weft", password: "admin-password-durable" };
const dirs: string[] = [];
let child: ChildProcess | null = null;

function serve(dir: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, ["--import", "tsx", "tests/kube/serve-kube.ts"], {
    env: { ...process.env, WEFT_DATA_DIR: dir, WEFT_TEST_HOST: HOST, WEFT_TEST_PORT: String(PORT), WEFT_ADMIN_EMAIL: ADMIN_USER.email, WEFT_ADMIN_PASSWORD: ADMIN_USER.password, },
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("the server process did not start in 60 s")), 60_000);
    c.stdout!.on("data", (b: Buffer) => {
      if (b.toString().includes("ready")) {
        clearTimeout(t);
        resolve(c);
      }
    });
    c.on("exit", (code) => reject(new Error(`the server process exited (${code})`)));
  });
}

const auth = `Basic ${Buffer.from(`${ADMIN_USER.email}:${ADMIN_USER.password}`).toString("base64")}`;

afterAll(() => {
  child?.kill("SIGKILL");
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

it("kill -9 right after an acknowledged apply: the objects are there after the restart", async () => {
  const dir = tempDir();
  dirs.push(dir);
  child = await serve(dir);
  let manifest = "apiVersion: v1\nkind: Namespace\nmetadata: { name: durable }\n";
  for (let i = 0; i < 40; i++) manifest += `---\napiVersion: v1\nkind: Service\nmetadata: { name: svc-${i}, namespace: durable }\nspec: { selector: { app: a${i} }, ports: [{ port: 80 }] }\n`;
  // wait=false: the answer comes as soon as the objects are stored — the earliest a crash can follow
  const res = await fetch(`http://${HOST}:${PORT}/api/v1/kube/apply?wait=false`, { method: "POST", headers: { authorization: auth, "content-type": "application/yaml" }, body: manifest });
  expect(res.status).toBe(200);
  child.kill("SIGKILL");
  await new Promise((r) => child!.once("exit", r));
  child = await serve(dir);
  const objects = (await (await fetch(`http://${HOST}:${PORT}/api/v1/kube/objects?namespace=durable`, { headers: { authorization: auth } })).json()) as { objects: { kind: string; name: string }[] };
  expect(objects.objects.filter((o) => o.kind === "Service").map((o) => o.name).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `svc-${i}`).sort());
  expect(objects.objects.some((o) => o.kind === "Namespace" && o.name === "durable")).toBe(true);
  child.kill("SIGKILL");
  await new Promise((r) => child!.once("exit", r));
  child = null;
}, 180_000);

it("an old <data>/kube/objects.json is imported into the database once, and the file is set aside", async () => {
  const dir = tempDir();
  dirs.push(dir);
  const file = path.join(dir, "kube", "objects.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    JSON.stringify([
      { object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "old" } }, actor: ADMIN },
      { object: { apiVersion: "v1", kind: "Service", metadata: { name: "legacy", namespace: "old" }, spec: { ports: [{ port: 80 }] } }, actor: ADMIN },
    ]),
  );
  let { engine } = await startEngine(dir);
  await engine.kube.idle();
  expect(engine.kube.get("Service", "old", "legacy")).toBeTruthy();
  expect(fs.existsSync(file)).toBe(false);
  expect(fs.existsSync(`${file}.imported`)).toBe(true);
  expect(engine.config.getByFqName("project", ["default-domain", "k8s-old"])).toBeTruthy();
  await engine.stop();
  // the next start reads the database (the file is not read again)
  ({ engine } = await startEngine(dir));
  expect(engine.kube.get("Service", "old", "legacy")!.object.spec.ports).toEqual([{ port: 80 }]);
  await engine.stop();
}, 120_000);
