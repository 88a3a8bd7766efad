// Public-key pieces both ends of the agent protocol share (issue 14): the certificate profile
// of the Weft agent CA, enrolment tokens, key and request generation, private files.
// @peculiar/x509 builds the certificates over WebCrypto (Node's); it needs the reflect polyfill.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createHash, X509Certificate, webcrypto } from "node:crypto";
import fs from "node:fs";

export { x509 };

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export const SIGNING = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
/** Organisational units that say what a Weft certificate is for. */
export const AGENT_OU = "virtual-router";
export const CONTROL_OU = "control-node";
/** The name agents expect in the control node's certificate (TLS server name; an address is not a valid SNI name). */
export const CONTROL_SERVER_NAME = "control-node.weft";
export const TOKEN_PREFIX = "WEFT1";
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
export const MAX_TOKEN_TTL_SECONDS = 7 * 24 * 3600;
export const AGENT_CERT_DAYS = 365;
export const CA_YEARS = 10;

export const b64url = (b: Buffer) => b.toString("base64url");
export const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest();
/** Serial numbers compared as lower-case hex without leading zeros (Node prints them upper-case). */
export const normSerial = (s: string) => s.toLowerCase().replace(/^0+/, "") || "0";

/** The pin of a CA certificate (PEM): base64url SHA-256 of its DER. */
export function caPin(caPem: string): string {
  return b64url(sha256(new X509Certificate(caPem).raw));
}

export interface ParsedToken {
  id: string;
  secret: string;
  pin: string;
}

export function parseToken(token: string): ParsedToken | null {
  const parts = token.trim().split(".");
  if (parts.length !== 4 || parts[0] !== TOKEN_PREFIX) return null;
  const [, id, secret, pin] = parts;
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(id) || !/^[A-Za-z0-9_-]{16,128}$/.test(secret) || !/^[A-Za-z0-9_-]{43}$/.test(pin)) return null;
  return { id, secret, pin };
}

/** Writes a file atomically, 0600, fsynced (a crash leaves the old file or the new one). */
export function writePrivate(file: string, text: string) {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

export function privateDir(dir: string) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
}

export async function exportKey(k: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", k as webcrypto.CryptoKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END PRIVATE KEY-----\n`;
}

export async function importKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  return (await webcrypto.subtle.importKey("pkcs8", der, SIGNING, true, ["sign"])) as unknown as CryptoKey;
}

export async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(SIGNING, true, ["sign", "verify"])) as unknown as CryptoKeyPair;
}

/** A key pair and a PKCS #10 request for `name` (the agent's side of enrolment). */
export async function newCsr(name: string): Promise<{ keyPem: string; csrPem: string }> {
  const keys = await newKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${dnEscape(name)}`, keys, signingAlgorithm: SIGNING });
  return { keyPem: await exportKey(keys.privateKey), csrPem: csr.toString("pem") };
}

/** RFC 4514 escaping of a DN attribute value. */
export function dnEscape(v: string): string {
  return v.replace(/([,+"\\<>;=#])/g, "\\$1");
}

