// Route distinguishers, RFC 4364 §4.2: 2-octet type + 6-octet value.
//   type 0: 2-octet ASN administrator + 4-octet assigned number   text "64512:1"
//   type 1: IPv4 administrator + 2-octet assigned number          text "10.0.0.1:5"
//   type 2: 4-octet ASN administrator + 2-octet assigned number   text "4200000000:5"
// A type-2 RD whose ASN fits in 2 octets is written "65000L:5" so text round-trips to the
// same octets (the "L" suffix as Junos writes 4-octet AS values).
import { ipv4ToString, parseIpv4, writeIpv4 } from "./address";

export const RD_LENGTH = 8;

/** Text form of the 8 octets at b[off]. Never fails: unknown types print as "rd<type>:<hex>". */
export function rdToString(b: Uint8Array, off: number): string {
  const type = (b[off] << 8) | b[off + 1];
  if (type === 0) {
    return `${(b[off + 2] << 8) | b[off + 3]}:${((b[off + 4] << 24) >>> 0) + ((b[off + 5] << 16) | (b[off + 6] << 8) | b[off + 7])}`;
  }
  if (type === 1) return `${ipv4ToString(b, off + 2)}:${(b[off + 6] << 8) | b[off + 7]}`;
  if (type === 2) {
    const asn = ((b[off + 2] << 24) >>> 0) + ((b[off + 3] << 16) | (b[off + 4] << 8) | b[off + 5]);
    return `${asn}${asn <= 0xffff ? "L" : ""}:${(b[off + 6] << 8) | b[off + 7]}`;
  }
  let hex = "";
  for (let i = 2; i < 8; i++) hex += b[off + i].toString(16).padStart(2, "0");
  return `rd${type}:${hex}`;
}

const U32 = /^\d{1,10}$/;

/** Writes the RD named by `text` at out[off]; false if the text is not an RD. */
export function writeRd(text: string, out: Uint8Array, off: number): boolean {
  const colon = text.lastIndexOf(":");
  if (colon <= 0) return false;
  const admin = text.slice(0, colon);
  const numText = text.slice(colon + 1);
  if (admin.startsWith("rd")) {
    const type = Number(admin.slice(2));
    if (!/^\d{1,5}$/.test(admin.slice(2)) || type > 0xffff || !/^[0-9a-f]{12}$/i.test(numText)) return false;
    out[off] = type >> 8;
    out[off + 1] = type & 255;
    for (let i = 0; i < 6; i++) out[off + 2 + i] = parseInt(numText.slice(2 * i, 2 * i + 2), 16);
    return true;
  }
  if (!U32.test(numText)) return false;
  const n = Number(numText);
  const ip = parseIpv4(admin);
  if (ip >= 0) {
    if (n > 0xffff) return false;
    out[off] = 0;
    out[off + 1] = 1;
    writeIpv4(out, off + 2, ip);
    out[off + 6] = n >> 8;
    out[off + 7] = n & 255;
    return true;
  }
  const forced4 = admin.endsWith("L");
  const asnText = forced4 ? admin.slice(0, -1) : admin;
  if (!U32.test(asnText)) return false;
  const asn = Number(asnText);
  if (asn > 0xffffffff) return false;
  if (!forced4 && asn <= 0xffff && n <= 0xffffffff) {
    out[off] = 0;
    out[off + 1] = 0;
    out[off + 2] = asn >> 8;
    out[off + 3] = asn & 255;
    writeIpv4(out, off + 4, n);
    return true;
  }
  if (n > 0xffff) return false;
  out[off] = 0;
  out[off + 1] = 2;
  writeIpv4(out, off + 2, asn);
  out[off + 6] = n >> 8;
  out[off + 7] = n & 255;
  return true;
}

/** Canonical text of an RD given as text, or null if it is not one ("64512:01" -> "64512:1"). */
export function normalizeRd(text: string): string | null {
  const b = new Uint8Array(8);
  return writeRd(text, b, 0) ? rdToString(b, 0) : null;
}
