// Reads the captured sessions and the malformed-message corpus under tests/bgp/corpus/.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CORPUS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "corpus");

/** Messages of a capture file (one hex message per line, "#" comments). */
export function readCapture(name: string): Buffer[] {
  return fs
    .readFileSync(path.join(CORPUS_DIR, name), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => Buffer.from(l, "hex"));
}

export const CAPTURES = ["gobgpd-session.hex", "gobgpd-bad-peer-as.hex", "bird-session.hex"];

export function allCaptured(): Buffer[] {
  return CAPTURES.flatMap(readCapture);
}

export interface MalformedCase {
  name: string;
  /** "session-reset 3/11", "treat-as-withdraw", "attribute-discard", "ok" */
  expect: string;
  bytes: Buffer;
  /** decode as if negotiated with a 2-octet-AS (false) or 4-octet-AS (true) speaker */
  asn4: boolean;
  ibgp: boolean;
}

/** tests/bgp/corpus/malformed.txt: "name | expect | asn4|asn2 ibgp|ebgp | hex" per line. */
export function readMalformed(): MalformedCase[] {
  return fs
    .readFileSync(path.join(CORPUS_DIR, "malformed.txt"), "utf8")
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"))
    .map((l) => {
      const [name, expect, ctx, hex] = l.split("|").map((x) => x.trim());
      return { name, expect, bytes: Buffer.from(hex, "hex"), asn4: ctx.includes("asn4"), ibgp: ctx.includes("ibgp") };
    });
}
