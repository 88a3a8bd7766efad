// Node positions each user arranged on Monitor › Topology, per view (the console's positions key:
// view, project filter, layout), kept on the server so they follow the user to another browser.
// One small JSON file per user under <data dir>/topology-layouts; the browser's localStorage stays
// the fallback (and the cache) — see components/topology/positions.ts.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export type Positions = Record<string, [number, number]>;
export interface SavedLayout {
  /** ms since the epoch, when the browser arranged it: the newer of server and browser wins */
  at: number;
  positions: Positions;
}

/** at most this many views per user (the least recently saved go first) and nodes per view */
export const MAX_LAYOUTS = 40;
export const MAX_POSITIONS = 20_000;

const fileOf = (dataDir: string, user: string) => path.join(dataDir, "topology-layouts", `${crypto.createHash("sha256").update(user).digest("hex").slice(0, 32)}.json`);

function readAll(dataDir: string, user: string): Record<string, SavedLayout> {
  try {
    const v = JSON.parse(fs.readFileSync(fileOf(dataDir, user), "utf8")) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, SavedLayout>) : {};
  } catch {
    return {};
  }
}

export function loadLayout(dataDir: string, user: string, key: string): SavedLayout | null {
  const all = readAll(dataDir, user);
  return Object.hasOwn(all, key) ? all[key] : null;
}

/** stores (or, with null, forgets) one view's positions for the user */
export function saveLayout(dataDir: string, user: string, key: string, layout: SavedLayout | null) {
  if (key === "__proto__") return;
  const all = readAll(dataDir, user);
  delete all[key];
  if (layout) {
    const positions: Positions = {};
    let n = 0;
    for (const [id, p] of Object.entries(layout.positions)) {
      if (n++ >= MAX_POSITIONS) break;
      positions[id] = p;
    }
    all[key] = { at: layout.at, positions };
  }
  const keys = Object.keys(all);
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX_LAYOUTS))) delete all[k];
  const file = fileOf(dataDir, user);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(all));
  fs.renameSync(tmp, file);
}
