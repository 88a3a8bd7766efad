// Debian's clickhouse-server (18.16) on 127.0.0.1 with a throwaway config and data dir, as
// docs/stack.md describes. Returns null (with the reason) when the binary is not installed.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface ClickHouseServer {
  url: string;
  httpPort: number;
  dir: string;
  stop(): Promise<void>;
}

const BIN = ["/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server"].find((p) => fs.existsSync(p));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export function clickHouseMissing(): string | null {
  if (!BIN) return "clickhouse-server is not installed (apt-get install clickhouse-server)";
  if (!fs.existsSync("/etc/clickhouse-server/config.xml")) return "/etc/clickhouse-server/config.xml is missing";
  return null;
}

export async function startClickHouse(): Promise<ClickHouseServer | null> {
  if (clickHouseMissing()) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-ch-"));
  const httpPort = await freePort();
  const tcpPort = await freePort();
  const interPort = await freePort();
  let cfg = fs.readFileSync("/etc/clickhouse-server/config.xml", "utf8");
  const set = (tag: string, value: string) => {
    const re = new RegExp(`<${tag}>[^<]*</${tag}>`, "g");
    cfg = re.test(cfg) ? cfg.replace(re, `<${tag}>${value}</${tag}>`) : cfg.replace("</yandex>", `  <${tag}>${value}</${tag}>\n</yandex>`);
  };
  set("path", `${dir}/data/`);
  set("tmp_path", `${dir}/tmp/`);
  set("user_files_path", `${dir}/user_files/`);
  set("format_schema_path", `${dir}/format_schemas/`);
  set("log", `${dir}/server.log`);
  set("errorlog", `${dir}/server.err.log`);
  set("http_port", String(httpPort));
  set("tcp_port", String(tcpPort));
  set("interserver_http_port", String(interPort));
  set("users_config", `${dir}/users.xml`);
  cfg = cfg.replace(/<listen_host>[^<]*<\/listen_host>/g, "").replace(/<https_port>[^<]*<\/https_port>/g, "").replace(/<tcp_port_secure>[^<]*<\/tcp_port_secure>/g, "");
  cfg = cfg.replace("</yandex>", "  <listen_host>127.0.0.1</listen_host>\n</yandex>");
  fs.writeFileSync(path.join(dir, "config.xml"), cfg);
  fs.copyFileSync("/etc/clickhouse-server/users.xml", path.join(dir, "users.xml"));
  for (const d of ["data", "tmp", "user_files", "format_schemas"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const child: ChildProcess = spawn(BIN!, [`--config-file=${path.join(dir, "config.xml")}`], { stdio: "ignore", cwd: dir });
  const url = `http://127.0.0.1:${httpPort}`;
  const end = Date.now() + 20_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/ping`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (child.exitCode !== null || Date.now() > end) {
      child.kill("SIGKILL");
      const log = fs.existsSync(path.join(dir, "server.err.log")) ? fs.readFileSync(path.join(dir, "server.err.log"), "utf8").slice(-2000) : "";
      throw new Error(`clickhouse-server did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    httpPort,
    dir,
    async stop() {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
        child.kill("SIGTERM");
      });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function clickHouseVersion(): string {
  const r = spawnSync("clickhouse", ["client", "--version"], { encoding: "utf8" });
  return (r.stdout || r.stderr || "").trim();
}
