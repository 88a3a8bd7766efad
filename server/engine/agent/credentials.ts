// The agent's identity towards the control node (issue 14): its key, its certificate from the
// Weft CA and the CA certificate, kept in a state directory (files 0600 in a 0700 directory),
// obtained once by enrolment with a one-time token. The key is made here and never leaves the node.
import fs from "node:fs";
import path from "node:path";
import { X509Certificate } from "node:crypto";
import type { PeerCertificate } from "node:tls";
import { CHANNEL_OPTIONS, controlNodeService, grpc } from "../protocol/index.ts";
import { CONTROL_OU, CONTROL_SERVER_NAME, caPin, newCsr, parseToken, privateDir, writePrivate } from "../protocol/pki.ts";

export interface AgentCredentials {
  /** PKCS #8 PEM */
  key: string;
  /** the node's certificate, PEM */
  cert: string;
  /** the Weft CA certificate, PEM */
  ca: string;
}

const FILES = { key: "agent.key", cert: "agent.crt", ca: "ca.crt" } as const;

/** Credentials kept in `dir`, or null when the node has not enrolled there (or they are not for `name`). */
export function loadCredentials(dir: string, name: string): AgentCredentials | null {
  const read = (f: string) => {
    try {
      return fs.readFileSync(path.join(dir, f), "utf8");
    } catch {
      return null;
    }
  };
  const key = read(FILES.key);
  const cert = read(FILES.cert);
  const ca = read(FILES.ca);
  if (!key || !cert || !ca) return null;
  try {
    const c = new X509Certificate(cert);
    if (certName(c) !== name) return null;
    if (Date.parse(c.validTo) < Date.now()) return null;
  } catch {
    return null;
  }
  return { key, cert, ca };
}

export function saveCredentials(dir: string, c: AgentCredentials) {
  privateDir(dir);
  writePrivate(path.join(dir, FILES.key), c.key);
  writePrivate(path.join(dir, FILES.ca), c.ca);
  writePrivate(path.join(dir, FILES.cert), c.cert);
}

function certName(c: X509Certificate): string {
  return /(?:^|\n)CN=([^\n]*)/.exec(c.subject)?.[1] ?? "";
}

/** The control node's certificate must be a Weft control node's (the chain is checked by TLS against our CA). */
function checkControlNode(_host: string, cert: PeerCertificate): Error | undefined {
  const ou = cert.subject?.OU;
  if ((Array.isArray(ou) ? ou[0] : ou) !== CONTROL_OU) return new Error(`the control node's certificate (${cert.subject?.CN ?? "?"}) is not a Weft control node certificate`);
  return undefined;
}

/** Channel options of an agent channel: the control node is named by its certificate, not its address. */
export const TLS_CHANNEL_OPTIONS: grpc.ChannelOptions = { "grpc.ssl_target_name_override": CONTROL_SERVER_NAME };

/** mTLS channel credentials of an enrolled node. */
export function channelCredentials(c: AgentCredentials): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(Buffer.from(c.ca), Buffer.from(c.key), Buffer.from(c.cert), { checkServerIdentity: checkControlNode });
}

type Client = InstanceType<ReturnType<typeof controlNodeService>>;

function call<T>(f: (cb: (err: grpc.ServiceError | null, res?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => f((err, res) => (err ? reject(new Error(err.details || err.message)) : resolve(res as T))));
}

/**
 * Enrols `name` with `token` at the control node `control` (host:port): fetches the CA
 * certificate and checks it against the token's pin, then — over TLS verified with that CA —
 * redeems the token with a request for a fresh key and returns the node's credentials.
 */
export async function enrol(control: string, name: string, token: string, timeoutMs = 10_000): Promise<AgentCredentials> {
  const t = parseToken(token);
  if (!t) throw new Error("malformed enrolment token (expected WEFT1.<id>.<secret>.<ca pin>)");
  const Ctor = controlNodeService();
  const deadline = () => new Date(Date.now() + timeoutMs);
  // 1. discovery: the server is not authenticated yet, the pin authenticates what it sends
  const anon = new Ctor(control, grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false }), { ...CHANNEL_OPTIONS, ...TLS_CHANNEL_OPTIONS });
  let ca: string;
  try {
    ca = (await call<{ ca_certificate: string }>((cb) => anon.GetCaCertificate({}, new grpc.Metadata(), { deadline: deadline() }, cb as never))).ca_certificate;
  } finally {
    anon.close();
  }
  if (caPin(ca) !== t.pin) throw new Error("the control node's CA does not match the enrolment token's pin: not the control node the token came from");
  // 2. enrolment over TLS with the pinned CA
  const { keyPem, csrPem } = await newCsr(name);
  const client: Client = new Ctor(control, grpc.credentials.createSsl(Buffer.from(ca), null, null, { checkServerIdentity: checkControlNode }), { ...CHANNEL_OPTIONS, ...TLS_CHANNEL_OPTIONS });
  try {
    const res = await call<{ certificate: string; ca_certificate: string }>((cb) =>
      client.Enrol({ token, name, certificate_request: csrPem }, new grpc.Metadata(), { deadline: deadline() }, cb as never),
    );
    return { key: keyPem, cert: res.certificate, ca };
  } finally {
    client.close();
  }
}
