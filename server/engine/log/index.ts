// Structured logs for every Weft process (console + engine, agents, the headless controller):
// pino, one line per event with its level and the component that wrote it. On stderr — stdout
// keeps the plain lines scripts read (`npm run up`'s "Weft console: http://…" banner). JSON when
// stderr is not a terminal (journald, docker, a file: one object per line, `jq`-able), a short
// human line when it is. Level: WEFT_LOG_LEVEL (trace, debug, info, warn, error, fatal, silent;
// default info). Imports only pino and Node built-ins, so the agent (which ships alone) may use it.
import pino, { type DestinationStream, type Level, type Logger } from "pino";

/** Who wrote a line: the engine's parts and the processes around them. */
export type Component = "main" | "http" | "config" | "control" | "bgp" | "agent" | "kube" | "analytics" | "lab";

export type { Logger };

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

function levelFrom(env: string | undefined): Level | "silent" {
  const v = (env ?? "").trim().toLowerCase();
  return (LEVELS as readonly string[]).includes(v) ? (v as Level | "silent") : "info";
}

const LABEL: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO ", 40: "WARN ", 50: "ERROR", 60: "FATAL" };
const SKIP = new Set(["level", "time", "pid", "hostname", "component", "msg"]);

/** One JSON line from pino → `12:34:56.789 INFO  control  message key=value`. */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith("\n") ? json : `${json}\n`;
  }
  const t = new Date(typeof o.time === "number" ? o.time : Date.now()).toISOString().slice(11, 23);
  const extra: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (SKIP.has(k) || v === undefined) continue;
    if (k === "err" && v && typeof v === "object") {
      const e = v as { message?: string; stack?: string };
      extra.push(`\n  ${e.stack ?? e.message ?? JSON.stringify(v)}`);
      continue;
    }
    extra.push(`${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  const head = `${t} ${LABEL[o.level as number] ?? String(o.level)} ${String(o.component ?? "-").padEnd(9)} ${String(o.msg ?? "")}`;
  return `${head}${extra.length ? ` ${extra.join(" ")}` : ""}\n`;
}

function destination(): DestinationStream {
  if (process.stderr.isTTY) return { write: (s: string) => void process.stderr.write(prettyLine(s)) };
  // synchronous: a line written just before process.exit is not lost
  return pino.destination({ fd: 2, sync: true });
}

const KEY = Symbol.for("weft.log");
type Holder = { root?: Logger };

/** The process's root logger (one per process, shared by every bundle through globalThis). */
export function rootLogger(): Logger {
  const g = globalThis as unknown as Record<symbol, Holder | undefined>;
  const h = (g[KEY] ??= {});
  h.root ??= pino({ level: levelFrom(process.env.WEFT_LOG_LEVEL), base: { pid: process.pid } }, destination());
  return h.root;
}

/** A logger whose every line says which component wrote it (plus any fixed fields, e.g. the node). */
export function logger(component: Component, fields: Record<string, unknown> = {}): Logger {
  return rootLogger().child({ component, ...fields });
}

/**
 * A `(line) => void` sink for parts that take one (analytics, the Kubernetes manager, the lab, the
 * agent): each line becomes one event of the component at the given level.
 */
export function lineSink(component: Component, level: Exclude<Level, "fatal"> = "info", fields: Record<string, unknown> = {}): (line: string) => void {
  const log = logger(component, fields);
  return (line) => log[level](line);
}

/**
 * Re-logs a line a child process wrote (the lab's agents): a pino JSON line keeps its level,
 * component and fields; anything else becomes an info line of `fallback`. `fields` are added
 * (e.g. the node's name).
 */
export function relayLine(fallback: Logger, line: string, fields: Record<string, unknown> = {}) {
  const s = line.trim();
  if (!s) return;
  if (s.startsWith("{")) {
    try {
      const o = JSON.parse(s) as Record<string, unknown>;
      if (typeof o.level === "number" && typeof o.msg === "string") {
        const { level, msg, time: _t, pid: _p, hostname: _h, ...rest } = o;
        const name = (pino.levels.labels[level as number] ?? "info") as Level;
        rootLogger()[name]({ ...rest, ...fields }, msg);
        return;
      }
    } catch {
      // not JSON after all: fall through
    }
  }
  fallback.info(fields, s);
}
