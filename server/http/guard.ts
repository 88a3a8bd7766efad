// Web protections shared by every HTTP surface (REST /vnc, /api/v1/kube, /analytics, tRPC, /events):
//  - the client's address: the socket's, or X-Forwarded-For only when the socket is a configured
//    proxy (WEFT_TRUSTED_PROXIES), published to the rest of the process as x-weft-client-ip;
//  - writes from a browser: a cookie-authenticated write must come from the console's own origin
//    (Origin, else Referer; WEFT_BASE_URL and WEFT_TRUSTED_ORIGINS), and any write naming a foreign
//    Origin is refused whatever its credentials (a browser may attach cached Basic credentials);
//  - bodies: JSON bodies need a JSON content type (a cross-site form can only send the three
//    "simple" types without a preflight), and are refused before parsing when nested deeper than
//    MAX_JSON_DEPTH or holding a string longer than MAX_STRING.
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { WeftError } from "../engine/model/errors";

/** Deepest JSON nesting accepted (Contrail's deepest objects are well under 20 levels). */
export const MAX_JSON_DEPTH = 64;
/** Longest string value accepted in a JSON body (a config field, a description, a manifest line). */
export const MAX_STRING = 65_536;

/** The header the server sets from the socket (any value a client sends is replaced). */
export const CLIENT_IP_HEADER = "x-weft-client-ip";

// ------------------------------------------------------------------ client address

type Cidr = { v6: boolean; bytes: number[]; len: number };

function ipBytes(ip: string): { v6: boolean; bytes: number[] } | null {
  const plain = ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const kind = isIP(plain);
  if (kind === 4) return { v6: false, bytes: plain.split(".").map(Number) };
  if (kind !== 6) return null;
  const [head, tail = ""] = plain.split("::");
  const part = (s: string) => (s ? s.split(":") : []);
  const h = part(head);
  const t = part(tail);
  const groups = plain.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return { v6: true, bytes: groups.flatMap((g) => [(parseInt(g, 16) >> 8) & 255, parseInt(g, 16) & 255]) };
}

/** WEFT_TRUSTED_PROXIES: comma-separated addresses or CIDR prefixes (IPv4 or IPv6) of reverse proxies. */
export function parseProxies(text: string | undefined): Cidr[] {
  const out: Cidr[] = [];
  for (const raw of (text ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const [addr, lenText] = raw.split("/");
    const b = ipBytes(addr);
    if (!b) throw new Error(`WEFT_TRUSTED_PROXIES: "${raw}" is not an address or prefix`);
    const max = b.bytes.length * 8;
    const len = lenText === undefined ? max : Number(lenText);
    if (!Number.isInteger(len) || len < 0 || len > max) throw new Error(`WEFT_TRUSTED_PROXIES: "${raw}" has a bad prefix length`);
    out.push({ ...b, len });
  }
  return out;
}

function inCidr(ip: string, c: Cidr): boolean {
  const b = ipBytes(ip);
  if (!b || b.v6 !== c.v6) return false;
  for (let bit = 0; bit < c.len; bit++) {
    const m = 128 >> bit % 8;
    if ((b.bytes[bit >> 3] & m) !== (c.bytes[bit >> 3] & m)) return false;
  }
  return true;
}

let proxies: { text: string | undefined; list: Cidr[] } | null = null;
function trusted(): Cidr[] {
  const text = process.env.WEFT_TRUSTED_PROXIES;
  if (!proxies || proxies.text !== text) proxies = { text, list: parseProxies(text) };
  return proxies.list;
}

/**
 * The client's address: the socket's peer, or — only when the peer is a trusted proxy — the
 * right-most X-Forwarded-For entry that is not itself a trusted proxy.
 */
export function clientIp(req: IncomingMessage): string {
  const peer = (req.socket.remoteAddress ?? "").replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
  const list = trusted();
  if (!list.length || !list.some((c) => inCidr(peer, c))) return peer;
  const xff = String(req.headers["x-forwarded-for"] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (let i = xff.length - 1; i >= 0; i--) {
    const hop = xff[i].replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
    if (!isIP(hop)) return peer;
    if (!list.some((c) => inCidr(hop, c))) return hop;
  }
  return peer;
}

/** Sets x-weft-client-ip from the socket (replacing what the client sent), for tRPC and better-auth behind Next.js. */
export function stampClientIp(req: IncomingMessage): string {
  const ip = clientIp(req);
  req.headers[CLIENT_IP_HEADER] = ip;
  return ip;
}

// ------------------------------------------------------------------ origins

/** The origins the console is served from: WEFT_BASE_URL's and WEFT_TRUSTED_ORIGINS. */
export function allowedOrigins(baseURL: string): Set<string> {
  const out = new Set<string>();
  const add = (u: string) => {
    try {
      out.add(new URL(u).origin);
    } catch {
      // not a URL: ignored
    }
  };
  add(baseURL);
  // the same port on the loopback names (better-auth trusts them too: the console opened as localhost or 127.0.0.1)
  try {
    const u = new URL(baseURL);
    if (["localhost", "127.0.0.1", "[::1]"].includes(u.hostname)) for (const h of ["localhost", "127.0.0.1", "[::1]"]) add(`${u.protocol}//${h}${u.port ? `:${u.port}` : ""}`);
  } catch {
    // a bad WEFT_BASE_URL: only what it names
  }
  for (const o of (process.env.WEFT_TRUSTED_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean)) add(o);
  return out;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export interface WriteRequest {
  method: string;
  header(name: string): string | undefined;
}

/** How a request is authenticated, from its headers. */
export function credentialKind(header: (name: string) => string | undefined): "token" | "basic" | "cookie" | "none" {
  const authz = header("authorization") ?? "";
  if (/^bearer /i.test(authz)) return "token";
  if (/^basic /i.test(authz)) return "basic";
  return header("cookie") ? "cookie" : "none";
}

/**
 * Refuses a cross-site write: a foreign Origin on any write, and a cookie-authenticated write
 * without the console's Origin (or Referer). Reads pass (no CORS headers are sent, so another
 * origin cannot read the answers).
 */
export function checkWriteOrigin(r: WriteRequest, baseURL: string): void {
  if (SAFE.has(r.method.toUpperCase())) return;
  const allowed = allowedOrigins(baseURL);
  const origin = r.header("origin");
  let from: string | null = null;
  if (origin && origin !== "null") from = origin;
  else {
    const ref = r.header("referer");
    if (ref) {
      try {
        from = new URL(ref).origin;
      } catch {
        from = "invalid";
      }
    } else if (origin === "null") from = "null";
  }
  if (from !== null && !allowed.has(from)) {
    throw new WeftError("forbidden", `cross-origin write refused: ${from} is not this console's origin (${[...allowed].join(", ")}; set WEFT_BASE_URL or WEFT_TRUSTED_ORIGINS)`);
  }
  if (from === null && credentialKind(r.header) === "cookie") {
    throw new WeftError("forbidden", "a write with a session cookie must carry the console's Origin header (cross-site request forgery protection)");
  }
}

/** JSON bodies must say so: application/json (or a +json type). */
export function requireJsonType(contentType: string | undefined): void {
  const t = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (t === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(t)) return;
  throw new WeftError("bad_request", `content-type: a JSON body needs Content-Type: application/json${t ? `, not ${t}` : ""}`, [{ field: "content-type", message: "must be application/json" }]);
}

/** A manifest body: YAML or JSON, never one of the types a cross-site form may send. */
export function requireManifestType(contentType: string | undefined): void {
  const t = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "application/json"].includes(t)) return;
  throw new WeftError("bad_request", `content-type: a manifest needs Content-Type: application/yaml (or application/json)${t ? `, not ${t}` : ""}`, [{ field: "content-type", message: "must be application/yaml or application/json" }]);
}

/**
 * Refuses JSON text nested deeper than MAX_JSON_DEPTH or holding a string longer than MAX_STRING,
 * by one linear scan before any parser or validator walks it (deep input never reaches recursion).
 */
export function checkJsonText(text: string, maxDepth = MAX_JSON_DEPTH, maxString = MAX_STRING): void {
  let depth = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const start = i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      if (i - start - 1 > maxString) throw new WeftError("bad_request", `body: a string is longer than ${maxString} characters`, [{ field: "body", message: `strings are at most ${maxString} characters` }]);
      i++;
      continue;
    }
    if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth) throw new WeftError("bad_request", `body: nested deeper than ${maxDepth} levels`, [{ field: "body", message: `at most ${maxDepth} levels of nesting` }]);
    } else if (c === 93 || c === 125) depth--;
    i++;
  }
}

/** JSON.parse after checkJsonText; a syntax error is a 400 naming the body. */
export function parseJsonBody(text: string): unknown {
  checkJsonText(text);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WeftError("bad_request", `body is not valid JSON: ${(e as Error).message}`);
  }
}
