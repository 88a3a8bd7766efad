// One peer's Adj-RIB-In: what it sent, per family (RFC 4271 §3.2), with RFC 7606 error handling,
// routes set aside (AS loop, own ORIGINATOR_ID / CLUSTER_ID), the maximum-prefix limit (RFC 4486),
// and stale routes kept for a restarting peer (RFC 4724 helper). Changes leave as batched path
// events through the host (the speaker). Functions over the peer's state, no class of its own.
import type { Clock } from "./clock";
import type { SessionHandlers } from "./session";
import type { PathsEvent, PeerState } from "./speaker-types";
import { afiSafiOf, CeaseSubcode, ErrorCode, type Family, type Path, type PathAttributes } from "./wire";

/** What the Adj-RIB-In needs from its speaker. */
export interface RibInHost {
  readonly asn: number;
  readonly routerId: string;
  readonly clusterId: string;
  readonly clock: Clock;
  emitPaths(e: PathsEvent): void;
}

export function ribOf(p: PeerState, f: Family): Map<string, Path> {
  let m = p.ribIn.get(f);
  if (!m) p.ribIn.set(f, (m = new Map()));
  return m;
}

function batchFor(p: PeerState, f: Family): PathsEvent {
  let b = p.batch.get(f);
  if (!b) p.batch.set(f, (b = { peer: p.cfg.address, family: f, withdrawn: [], announced: [], endOfRib: false }));
  return b;
}

export function flushBatch(host: RibInHost, p: PeerState): void {
  if (p.batch.size === 0) return;
  const events = [...p.batch.values()];
  p.batch.clear();
  for (const e of events) host.emitPaths(e);
}

function withdrawKey(host: RibInHost, p: PeerState, f: Family, rib: Map<string, Path>, key: string): void {
  if (!rib.delete(key)) return;
  p.stale.get(f)?.delete(key);
  let b = batchFor(p, f);
  // events apply withdrawn before announced: a withdrawal after an announcement starts a new event
  if (b.announced.length > 0) {
    flushBatch(host, p);
    b = batchFor(p, f);
  }
  b.withdrawn.push(key);
}

export function applyUpdate(host: RibInHost, p: PeerState, r: Parameters<SessionHandlers["onUpdate"]>[1]): void {
  const neg = p.session.negotiated;
  if (!neg) return;
  if (!r.ok) {
    // RFC 7606 §2 treat-as-withdraw
    const e = r.error;
    if (e.action !== "treat-as-withdraw") return;
    p.malformed.treatAsWithdraw++;
    p.malformed.last = `treat-as-withdraw: ${e.reason}`;
    p.malformed.lastAt = host.clock.now();
    for (const w of e.withdrawn) {
      const rib = ribOf(p, w.family);
      for (const k of w.keys) {
        unreject(p, w.family, k);
        withdrawKey(host, p, w.family, rib, k);
      }
    }
    return;
  }
  const u = r.value;
  if (u.notes.length > 0) {
    p.malformed.attributeDiscard += u.notes.length;
    p.malformed.last = u.notes[u.notes.length - 1];
    p.malformed.lastAt = host.clock.now();
  }
  if (u.endOfRib) {
    p.eorReceived.add(u.endOfRib);
    purgeStale(host, p, u.endOfRib);
    batchFor(p, u.endOfRib).endOfRib = true;
    return;
  }
  for (const x of u.unreach) {
    const rib = ribOf(p, x.family);
    for (const n of x.nlri) {
      unreject(p, x.family, n.key);
      withdrawKey(host, p, x.family, rib, n.key);
    }
  }
  for (const x of u.reach) {
    if (!neg.families.includes(x.family)) continue; // RFC 4760 §7: not negotiated: ignore
    const rib = ribOf(p, x.family);
    const stale = p.stale.get(x.family);
    const paths = x.paths;
    // the paths of one UPDATE share their attributes: one check for all of them
    const why = paths.length > 0 ? ignoreReason(host, paths[0].attrs) : null;
    if (why) {
      reject(host, p, x.family, rib, paths, why);
      continue;
    }
    const b = batchFor(p, x.family);
    const rejected = p.rejected.get(x.family);
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i];
      rib.set(path.key, path);
      if (stale) stale.delete(path.key);
      if (rejected && rejected.delete(path.key)) p.ignored.current--;
      b.announced.push(path);
    }
  }
  checkMaxPrefixes(host, p);
}

/**
 * Why a received route must not be used, or null. RFC 4271 §9.1.2: a route whose AS_PATH holds
 * our own AS is a loop (AS4_PATH from a 2-octet speaker is merged into the path by the codec,
 * RFC 6793 §4.2.3, so our 4-octet AS is found there too). RFC 4456 §8: a route carrying our
 * router ID as ORIGINATOR_ID, or our CLUSTER_ID in its CLUSTER_LIST, came back to us through
 * reflection and is ignored.
 */
function ignoreReason(host: RibInHost, a: PathAttributes): { kind: "asLoop" | "ownOriginatorId" | "ownClusterId"; text: string } | null {
  if (a.asPath) {
    for (const seg of a.asPath) {
      if (seg.asns.includes(host.asn)) return { kind: "asLoop", text: `AS loop: our AS ${host.asn} is in the AS_PATH (RFC 4271 §9.1.2)` };
    }
  }
  if (a.originatorId === host.routerId) return { kind: "ownOriginatorId", text: `ORIGINATOR_ID is our router ID ${host.routerId} (RFC 4456 §8)` };
  if (a.clusterList?.includes(host.clusterId)) return { kind: "ownClusterId", text: `our CLUSTER_ID ${host.clusterId} is in the CLUSTER_LIST (RFC 4456 §8)` };
  return null;
}

/** Sets received paths aside: an earlier usable path for the same key is withdrawn (implicit withdraw). */
function reject(host: RibInHost, p: PeerState, f: Family, rib: Map<string, Path>, paths: readonly Path[], why: { kind: "asLoop" | "ownOriginatorId" | "ownClusterId"; text: string }): void {
  let m = p.rejected.get(f);
  if (!m) p.rejected.set(f, (m = new Map()));
  for (const path of paths) {
    withdrawKey(host, p, f, rib, path.key);
    if (!m.has(path.key)) p.ignored.current++;
    m.set(path.key, { path, reason: why.text });
    p.ignored[why.kind]++;
  }
  p.ignored.last = why.text;
}

function unreject(p: PeerState, f: Family, key: string): void {
  if (p.rejected.get(f)?.delete(key)) p.ignored.current--;
}

export function clearRejected(p: PeerState): void {
  p.rejected.clear();
  p.ignored.current = 0;
}

export function totalIn(p: PeerState): number {
  let n = 0;
  for (const m of p.ribIn.values()) n += m.size;
  return n;
}

export function maxPrefixLimit(p: PeerState): number {
  const m = p.cfg.maxPrefixes;
  return m === undefined ? Infinity : typeof m === "number" ? m : m.limit;
}

/** RFC 4486 §4: Cease / Maximum Number of Prefixes Reached, data = AFI, SAFI, limit. */
function checkMaxPrefixes(host: RibInHost, p: PeerState): void {
  const limit = maxPrefixLimit(p);
  const total = totalIn(p);
  if (total <= limit) return;
  let family: Family = "ipv4-unicast";
  let most = -1;
  for (const [f, m] of p.ribIn) if (m.size > most) [family, most] = [f, m.size];
  const { afi, safi } = afiSafiOf(family);
  const data = Buffer.alloc(7);
  data.writeUInt16BE(afi, 0);
  data[2] = safi;
  data.writeUInt32BE(Math.min(limit, 0xffffffff), 3);
  const m = p.cfg.maxPrefixes;
  const restartAfter = typeof m === "object" && m.restartAfter !== undefined ? m.restartAfter * 1000 : null;
  p.maxPrefixHit = true;
  flushBatch(host, p);
  p.session.stop({
    automatic: true,
    notification: { code: ErrorCode.CEASE, subcode: CeaseSubcode.MAX_PREFIXES, data },
    reason: `maximum prefixes reached: ${total} > ${limit}${restartAfter === null ? " (held down until reset)" : ` (restart in ${restartAfter / 1000}s)`}`,
    restartAfterMs: restartAfter,
  });
}

/** The session went down: withdraw the peer's routes, or keep them stale (RFC 4724 §4.2 helper). */
export function dropRibIn(host: RibInHost, p: PeerState, graceful: boolean): void {
  const neg = p.session.negotiated;
  const gr = graceful ? neg?.peerGracefulRestart : null;
  for (const [f, rib] of p.ribIn) {
    if (rib.size === 0) continue;
    if (gr && gr.families.some((x) => x.family === f)) {
      const set = p.stale.get(f) ?? new Set<string>();
      for (const k of rib.keys()) set.add(k);
      p.stale.set(f, set);
      continue;
    }
    const keys = [...rib.keys()];
    rib.clear();
    p.stale.delete(f);
    host.emitPaths({ peer: p.cfg.address, family: f, withdrawn: keys, announced: [], endOfRib: false });
  }
  if (gr && p.stale.size > 0) {
    if (p.staleTimer !== undefined) host.clock.clearTimeout(p.staleTimer);
    // RFC 4724 §4.2: the peer has Restart Time to come back
    p.staleTimer = host.clock.setTimeout(() => {
      p.staleTimer = undefined;
      for (const f of [...p.stale.keys()]) purgeStale(host, p, f);
    }, gr.restartTime * 1000);
  }
}

export function purgeStale(host: RibInHost, p: PeerState, f: Family): void {
  const set = p.stale.get(f);
  if (!set) return;
  p.stale.delete(f);
  const rib = ribOf(p, f);
  const gone: string[] = [];
  for (const k of set) if (rib.delete(k)) gone.push(k);
  if (gone.length > 0) {
    flushBatch(host, p);
    host.emitPaths({ peer: p.cfg.address, family: f, withdrawn: gone, announced: [], endOfRib: false });
  }
  if (p.stale.size === 0 && p.staleTimer !== undefined) {
    host.clock.clearTimeout(p.staleTimer);
    p.staleTimer = undefined;
  }
}

export function clearStale(host: RibInHost, p: PeerState): void {
  if (p.staleTimer !== undefined) host.clock.clearTimeout(p.staleTimer);
  p.staleTimer = undefined;
  p.stale.clear();
}
