// npm run traffic -- [--rate 20] [--duration 60] [--stop] [--status] [--url http://localhost:3000]
// Starts (or stops) the lab's traffic generator in a running console through its tRPC API: new
// flows per second between the workloads, sent as packets through the real agents.
// Credentials: WEFT_USER / WEFT_PASSWORD (default admin@weft.local and <data>/initial-admin-password).
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";

const program = new Command()
  .name("traffic")
  .option("--url <url>", "console URL", process.env.WEFT_URL ?? `http://localhost:${process.env.PORT ?? 3000}`)
  .option("--rate <n>", "new flows per second", "20")
  .option("--duration <seconds>", "stop after this many seconds")
  .option("--no-bursts", "no 5× bursts")
  .option("--stop", "stop the generator")
  .option("--status", "print the generator's status")
  .parse();
const o = program.opts<{ url: string; rate: string; duration?: string; bursts: boolean; stop?: boolean; status?: boolean }>();

async function main() {
  const user = process.env.WEFT_USER ?? "admin@weft.local";
  const pwFile = path.join(process.env.WEFT_DATA_DIR ?? "data", "initial-admin-password");
  const password = process.env.WEFT_PASSWORD ?? process.env.WEFT_ADMIN_PASSWORD ?? (fs.existsSync(pwFile) ? fs.readFileSync(pwFile, "utf8").trim() : "");
  const auth = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const call = async (proc: string, input: unknown, mutation: boolean) => {
    const url = `${o.url}/api/trpc/${proc}${mutation ? "" : `?input=${encodeURIComponent(JSON.stringify(input ?? {}))}`}`;
    const r = await fetch(url, { method: mutation ? "POST" : "GET", headers: { authorization: auth, "content-type": "application/json", origin: o.url }, body: mutation ? JSON.stringify(input ?? {}) : undefined });
    const body = (await r.json()) as { result?: { data: unknown }; error?: { message: string } };
    if (!r.ok || body.error) throw new Error(`${proc}: ${body.error?.message ?? r.status}`);
    return body.result?.data;
  };
  if (o.status) return console.log(JSON.stringify(await call("flows.traffic.status", undefined, false), null, 2));
  if (o.stop) return console.log(JSON.stringify(await call("flows.traffic.stop", undefined, true), null, 2));
  const st = await call("flows.traffic.start", { rate: Number(o.rate), bursts: o.bursts, durationSeconds: o.duration ? Number(o.duration) : undefined }, true);
  console.log(`traffic generator running: ${o.rate} flows/s${o.duration ? ` for ${o.duration} s` : " until `npm run traffic -- --stop`"}`);
  console.log(JSON.stringify(st));
}

main().catch((e) => {
  console.error(`traffic: ${(e as Error).message}`);
  process.exit(1);
});
