// Where route handlers find the process's services. Imports types only, so a Next.js bundle
// that reads the registry does not pull the engine (Prisma, SQLite, sockets) into itself.
import type { Services } from "./services";

const KEY = Symbol.for("weft.services");
type Slot = Record<symbol, Services | undefined>;

export function getServices(): Services {
  const s = (globalThis as Slot)[KEY];
  if (!s) throw new Error("Weft services are not running in this process (start with server/main.ts)");
  return s;
}

export function publishServices(s: Services | undefined) {
  (globalThis as Slot)[KEY] = s;
}

export function peekServices(): Services | undefined {
  return (globalThis as Slot)[KEY];
}
