// Addresses a gateway accepts for the lab's compute nodes. The agents used to sit on 127.0.1.N,
// and every router that checks next hops (FRR among them) treats 127/8 as martian: it resets the
// BGP session on the first UPDATE carrying a port's route. When root, the lab puts its nodes on
// 198.18.0.N (RFC 2544 benchmarking range: never routed on the Internet, not used by hosts) as
// /32 addresses of `weft-lab0`, one end of a veth pair Weft creates and owns (this kernel has
// no dummy devices). The addresses are local to this host: agents bind their UDP tunnel sockets
// there and reach each other through the kernel's local table, exactly as on loopback; no host
// interface, route or table is touched. Several Weft processes may share the link: each holds a
// file under /run/weft-lab naming its addresses, and the last one out deletes the link.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const LAB_LINK = "weft-lab0";
const LAB_LINK_PEER = "weft-lab0p";
const HOLDERS = "/run/weft-lab";

export type LabLink = { ok: true; release(): Promise<void> } | { ok: false; reason: string };

async function ip(...args: string[]): Promise<void> {
  await run("ip", args, { timeout: 10_000 });
}

async function linkExists(): Promise<boolean> {
  try {
    await ip("link", "show", "dev", LAB_LINK);
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Addresses held by live processes (holder files of dead ones are removed). */
function liveHolders(): Set<string> {
  const held = new Set<string>();
  let files: string[] = [];
  try {
    files = fs.readdirSync(HOLDERS);
  } catch {
    return held;
  }
  for (const f of files) {
    const file = path.join(HOLDERS, f);
    const pid = Number(f.split("-")[0]);
    if (!Number.isInteger(pid) || !alive(pid)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    try {
      for (const a of fs.readFileSync(file, "utf8").split("\n")) if (a) held.add(a);
    } catch {
      // removed meanwhile
    }
  }
  return held;
}

/**
 * Puts `addresses` (/32 each) on weft-lab0, creating the veth pair when missing. Not root, no
 * `ip`, or the kernel refuses: { ok: false, reason } and nothing is left behind.
 */
export async function acquireLabLink(addresses: readonly string[]): Promise<LabLink> {
  if (process.getuid?.() !== 0) return { ok: false, reason: "not running as root" };
  const holder = path.join(HOLDERS, `${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    fs.mkdirSync(HOLDERS, { recursive: true });
    fs.writeFileSync(holder, `${addresses.join("\n")}\n`);
    if (!(await linkExists())) {
      try {
        await ip("link", "add", LAB_LINK, "type", "veth", "peer", "name", LAB_LINK_PEER);
      } catch (e) {
        if (!(await linkExists())) throw e; // another process created it meanwhile: fine
      }
    }
    await ip("link", "set", LAB_LINK_PEER, "up");
    await ip("link", "set", LAB_LINK, "up");
    // `replace`: idempotent when another Weft process already put the address there
    for (const a of addresses) await ip("addr", "replace", `${a}/32`, "dev", LAB_LINK);
  } catch (e) {
    fs.rmSync(holder, { force: true });
    if (liveHolders().size === 0 && (await linkExists())) await ip("link", "del", LAB_LINK).catch(() => {});
    const err = e as { stderr?: string; message: string };
    return { ok: false, reason: `could not set up ${LAB_LINK}: ${(err.stderr || err.message).trim()}` };
  }
  let released = false;
  return {
    ok: true,
    async release() {
      if (released) return;
      released = true;
      fs.rmSync(holder, { force: true });
      const held = liveHolders();
      if (held.size === 0) {
        await ip("link", "del", LAB_LINK).catch(() => {}); // deletes the peer end too
        return;
      }
      for (const a of addresses) if (!held.has(a)) await ip("addr", "del", `${a}/32`, "dev", LAB_LINK).catch(() => {});
    },
  };
}
