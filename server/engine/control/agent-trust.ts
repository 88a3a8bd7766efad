// The control node's trust in compute nodes (issue 14): a Weft certificate authority kept in the
// data directory (<data>/ca/, files 0600 in a 0700 directory), one-time enrolment tokens issued
// for a virtual-router, the certificates issued against them, and the check of every agent
// session's client certificate. From enrolment on, a compute node's identity is its certificate:
// CN (and SAN) = the virtual-router's name, OU = "virtual-router", a URI SAN naming the
// virtual-router's uuid. Contrail leaves XMPP certificates to the deployment tooling; Weft issues
// them itself so that no agent session is ever accepted without one.
//
// Token format: WEFT1.<id>.<secret>.<CA pin> — the pin (base64url SHA-256 of the CA certificate,
// as kubeadm's --discovery-token-ca-cert-hash) lets a new node check that the control node it
// enrols with is the one the token came from before it sends anything secret.
import { randomBytes, timingSafeEqual, X509Certificate } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { PeerCertificate } from "node:tls";
import {
  AGENT_CERT_DAYS,
  AGENT_OU,
  b64url,
  CA_YEARS,
  DEFAULT_TOKEN_TTL_SECONDS,
  MAX_TOKEN_TTL_SECONDS,
  CONTROL_OU,
  CONTROL_SERVER_NAME,
  caPin,
  dnEscape,
  exportKey,
  importKey,
  newKeyPair,
  normSerial,
  parseToken,
  privateDir,
  SIGNING,
  sha256,
  TOKEN_PREFIX,
  writePrivate,
  x509,
} from "../protocol/pki";
import type { Db } from "../config/db";
import { type Actor, SYSTEM_ACTOR } from "../config/api";
import type { ConfigService } from "../config/service";
import { WeftError } from "../model/errors";
import { grpc } from "../protocol";

export { AGENT_OU, CONTROL_OU, CONTROL_SERVER_NAME, caPin, DEFAULT_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS, normSerial, parseToken, TOKEN_PREFIX } from "../protocol/pki";

const serialHex = () => {
  const b = randomBytes(16);
  b[0] &= 0x7f; // positive INTEGER (RFC 5280 §4.1.2.2)
  if (b[0] === 0) b[0] = 1;
  return b.toString("hex");
};

export interface CertRecord {
  serial: string;
  virtualRouterUuid: string;
  name: string;
  issuedAt: Date;
  notAfter: Date;
  fingerprint: string;
  revokedAt: Date | null;
  revokedWhy: string | null;
}

export type Identity = { ok: true; name: string; virtualRouterUuid: string; serial: string } | { ok: false; why: string };

export interface IssuedToken {
  token: string;
  id: string;
  virtual_router: string;
  virtual_router_uuid: string;
  expires_at: string;
}

export class AgentTrust {
  /** serial → record, every certificate ever issued (a session check reads no database) */
  private readonly certs = new Map<string, CertRecord>();
  private unsubscribe: (() => void) | null = null;
  private readonly revokedListeners = new Set<(r: CertRecord) => void>();

  private constructor(
    readonly dir: string,
    private readonly db: Db,
    private readonly config: ConfigService,
    readonly caPem: string,
    private readonly caKey: CryptoKey,
    readonly serverCertPem: string,
    readonly serverKeyPem: string,
  ) {}

  get pin(): string {
    return caPin(this.caPem);
  }

  /** Opens (or creates at first start) the CA under `<dataDir>/ca`. */
  static async open(dataDir: string, db: Db, config: ConfigService): Promise<AgentTrust> {
    const dir = path.join(dataDir, "ca");
    privateDir(dir);
    const caKeyFile = path.join(dir, "ca.key");
    const caCrtFile = path.join(dir, "ca.crt");
    let caPem: string;
    let caKey: CryptoKey;
    if (fs.existsSync(caKeyFile) && fs.existsSync(caCrtFile)) {
      caPem = fs.readFileSync(caCrtFile, "utf8");
      caKey = await importKey(fs.readFileSync(caKeyFile, "utf8"));
    } else {
      const keys = await newKeyPair();
      const now = Date.now();
      const ca = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: serialHex(),
        name: `CN=Weft agent CA ${new Date(now).toISOString().slice(0, 10)}, O=Weft`,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + CA_YEARS * 365 * 86_400_000),
        keys,
        signingAlgorithm: SIGNING,
        extensions: [
          new x509.BasicConstraintsExtension(true, 0, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
      });
      caPem = ca.toString("pem");
      caKey = keys.privateKey;
      writePrivate(caKeyFile, await exportKey(keys.privateKey));
      writePrivate(caCrtFile, `${caPem}\n`);
    }
    for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o600);
    // the control node's own TLS certificate, renewed when it has less than 30 days left
    const srvKeyFile = path.join(dir, "control.key");
    const srvCrtFile = path.join(dir, "control.crt");
    let srvPem = fs.existsSync(srvCrtFile) ? fs.readFileSync(srvCrtFile, "utf8") : "";
    let srvKeyPem = fs.existsSync(srvKeyFile) ? fs.readFileSync(srvKeyFile, "utf8") : "";
    const valid = (() => {
      if (!srvPem || !srvKeyPem) return false;
      try {
        const c = new X509Certificate(srvPem);
        return c.verify(new X509Certificate(caPem).publicKey) && Date.parse(c.validTo) - Date.now() > 30 * 86_400_000;
      } catch {
        return false;
      }
    })();
    if (!valid) {
      const keys = await newKeyPair();
      const now = Date.now();
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serialHex(),
        subject: `CN=${CONTROL_SERVER_NAME}, OU=${CONTROL_OU}, O=Weft`,
        issuer: new x509.X509Certificate(caPem).subject,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + AGENT_CERT_DAYS * 86_400_000),
        publicKey: keys.publicKey,
        signingKey: caKey,
        signingAlgorithm: SIGNING,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension([{ type: "dns", value: CONTROL_SERVER_NAME }]),
        ],
      });
      srvPem = cert.toString("pem");
      srvKeyPem = await exportKey(keys.privateKey);
      writePrivate(srvKeyFile, srvKeyPem);
      writePrivate(srvCrtFile, `${srvPem}\n`);
    }
    const trust = new AgentTrust(dir, db, config, caPem.trim(), caKey, srvPem.trim(), srvKeyPem);
    for (const r of await db.agentCertificate.findMany()) trust.certs.set(r.serial, r);
    // deleting a virtual-router revokes its certificates: the node can no longer connect
    trust.unsubscribe = config.subscribe((e) => {
      if (e.type === "virtual-router" && e.op === "delete") void trust.revokeRouter(e.uuid, "virtual-router deleted");
    });
    return trust;
  }

  close() {
    this.unsubscribe?.();
  }

  /** Called when a certificate is revoked (the control node ends that node's session). */
  onRevoked(l: (r: CertRecord) => void): () => void {
    this.revokedListeners.add(l);
    return () => this.revokedListeners.delete(l);
  }

  /**
   * gRPC server credentials of the agent port: TLS with the control node's certificate; a client
   * certificate is requested and checked against the Weft CA (TLS), but not required at the TLS
   * level — the enrolment calls come before a node has one. The Session call requires it (identify).
   */
  serverCredentials(): grpc.ServerCredentials {
    const chain = Buffer.from(`${this.serverCertPem}\n${this.caPem}\n`);
    const key = Buffer.from(this.serverKeyPem);
    const ca = Buffer.from(this.caPem);
    // one provider for both roles: grpc-js 1.14 passes the two arguments of
    // createCertificateProviderServerCredentials to its constructor in the other order
    const provider: grpc.experimental.CertificateProvider = {
      addCaCertificateListener: (l) => process.nextTick(l, { caCertificate: ca }),
      removeCaCertificateListener: () => {},
      addIdentityCertificateListener: (l) => process.nextTick(l, { certificate: chain, privateKey: key }),
      removeIdentityCertificateListener: () => {},
    };
    return grpc.experimental.createCertificateProviderServerCredentials(provider, provider, false);
  }

  // ------------------------------------------------------------ tokens

  /** Issues a one-time enrolment token for a virtual-router. Admins only; audited. */
  async issueToken(virtualRouterUuid: string, actor: Actor, ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS): Promise<IssuedToken> {
    if (actor.role !== "admin") throw new WeftError("forbidden", "only an admin may issue compute node enrolment tokens");
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
      throw new WeftError("bad_request", `ttl_seconds: must be a whole number of seconds from 60 to ${MAX_TOKEN_TTL_SECONDS}`, [
        { field: "ttl_seconds", message: `60..${MAX_TOKEN_TTL_SECONDS}` },
      ]);
    }
    const vr = this.config.find(virtualRouterUuid);
    if (!vr || vr.type !== "virtual-router") throw new WeftError("not_found", `virtual-router ${virtualRouterUuid} not found`);
    const id = b64url(randomBytes(9));
    const secret = b64url(randomBytes(24));
    const now = new Date();
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    await this.db.$transaction([
      this.db.agentEnrolmentToken.create({
        data: { id, virtualRouterUuid: vr.uuid, virtualRouterName: vr.name, secretHash: sha256(secret).toString("hex"), createdAt: now, expiresAt, createdBy: actor.email },
      }),
      this.audit(actor, "enrolment-token", vr.uuid, vr.fq_name.join(":"), { token_id: id, expires_at: expiresAt.toISOString() }),
    ]);
    return { token: `${TOKEN_PREFIX}.${id}.${secret}.${this.pin}`, id, virtual_router: vr.name, virtual_router_uuid: vr.uuid, expires_at: expiresAt.toISOString() };
  }

  /** The virtual-router object of a compute node name. */
  virtualRouter(name: string) {
    return this.config.getByFqName("virtual-router", ["default-global-system-config", name]);
  }

  /**
   * A token for a compute node of this very process (the lab, tests, benches): the
   * virtual-router is created if missing (as the lab creates its nodes'), the token issued as the
   * system, short-lived. The node then enrols over the network like any other.
   */
  async issueLocalToken(name: string, address: string): Promise<string> {
    let vr = this.virtualRouter(name);
    if (!vr) {
      vr = await this.config.create(
        "virtual-router",
        { fq_name: ["default-global-system-config", name], parent_type: "global-system-config", virtual_router_ip_address: address },
        SYSTEM_ACTOR,
      );
    }
    return (await this.issueToken(vr.uuid, SYSTEM_ACTOR, 600)).token;
  }

  /** The enrolment tokens of a virtual-router (never their secrets). */
  async tokens(virtualRouterUuid: string) {
    const rows = await this.db.agentEnrolmentToken.findMany({ where: { virtualRouterUuid }, orderBy: { createdAt: "desc" }, take: 20 });
    return rows.map((r) => ({
      id: r.id,
      created_at: r.createdAt.toISOString(),
      created_by: r.createdBy,
      expires_at: r.expiresAt.toISOString(),
      used_at: r.usedAt?.toISOString() ?? null,
      used_by: r.usedBy,
      state: r.usedAt ? "used" : r.expiresAt.getTime() < Date.now() ? "expired" : "valid",
    }));
  }

  /** The certificates of a virtual-router (newest first). */
  certificatesOf(virtualRouterUuid: string): CertRecord[] {
    return [...this.certs.values()].filter((c) => c.virtualRouterUuid === virtualRouterUuid).sort((a, b) => b.issuedAt.getTime() - a.issuedAt.getTime());
  }

  // ------------------------------------------------------------ enrolment

  /**
   * Redeems a token: checks it (exists, secret, unused, not expired, for the node named `name`),
   * signs the request's public key into the node's certificate, marks the token used, revokes the
   * node's earlier certificates and audits — the last three in one transaction.
   */
  async enrol(token: string, name: string, csrPem: string, peer: string): Promise<{ certificate: string; ca: string }> {
    const t = parseToken(token);
    const refuse = async (why: string, id?: string) => {
      await this.db.auditEntry.create({
        data: { at: new Date(), actorId: null, actorEmail: `agent:${name || "?"}`, source: "system", action: "enrol-refused", objectType: "virtual-router", objectUuid: "", fqName: name, diff: JSON.stringify({ peer, token_id: id ?? null, why }) },
      });
      return new WeftError("unauthorized", `enrolment refused: ${why}`);
    };
    if (!t) throw await refuse("malformed token (expected WEFT1.<id>.<secret>.<ca pin>)");
    if (t.pin !== this.pin) throw await refuse("the token was issued by another Weft CA", t.id);
    const row = await this.db.agentEnrolmentToken.findUnique({ where: { id: t.id } });
    const given = sha256(t.secret);
    if (!row || !timingSafeEqual(given, Buffer.from(row.secretHash, "hex"))) throw await refuse("unknown token", t.id);
    if (row.usedAt) throw await refuse(`token already used (at ${row.usedAt.toISOString()})`, t.id);
    if (row.expiresAt.getTime() < Date.now()) throw await refuse(`token expired at ${row.expiresAt.toISOString()}`, t.id);
    if (name !== row.virtualRouterName) throw await refuse(`the token is for compute node ${row.virtualRouterName}, not ${name}`, t.id);
    const vr = this.config.find(row.virtualRouterUuid);
    if (!vr || vr.type !== "virtual-router" || vr.name !== row.virtualRouterName) throw await refuse(`virtual-router ${row.virtualRouterName} no longer exists`, t.id);
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(csrPem);
      if (!(await csr.verify())) throw new Error("signature does not verify");
    } catch (e) {
      throw await refuse(`bad certificate request: ${(e as Error).message}`, t.id);
    }
    const serial = serialHex();
    const now = Date.now();
    const notAfter = new Date(now + AGENT_CERT_DAYS * 86_400_000);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: `CN=${dnEscape(vr.name)}, OU=${AGENT_OU}, O=Weft`,
      issuer: new x509.X509Certificate(this.caPem).subject,
      notBefore: new Date(now - 60_000),
      notAfter,
      publicKey: csr.publicKey,
      signingKey: this.caKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: "dns", value: vr.name },
          { type: "url", value: `urn:weft:virtual-router:${vr.uuid}` },
        ]),
      ],
    });
    const pem = cert.toString("pem");
    const fingerprint = new X509Certificate(pem).fingerprint256;
    const record: CertRecord = { serial: normSerial(serial), virtualRouterUuid: vr.uuid, name: vr.name, issuedAt: new Date(now), notAfter, fingerprint, revokedAt: null, revokedWhy: null };
    const earlier = this.certificatesOf(vr.uuid).filter((c) => !c.revokedAt);
    const used = await this.db.$transaction(async (tx) => {
      // the conditional update is the single-use guarantee: of two concurrent redemptions one wins
      const { count } = await tx.agentEnrolmentToken.updateMany({ where: { id: t.id, usedAt: null }, data: { usedAt: new Date(now), usedBy: peer, certSerial: record.serial } });
      if (count !== 1) return false;
      if (earlier.length) await tx.agentCertificate.updateMany({ where: { serial: { in: earlier.map((c) => c.serial) } }, data: { revokedAt: new Date(now), revokedWhy: "re-enrolled" } });
      await tx.agentCertificate.create({ data: record });
      await tx.auditEntry.create({
        data: {
          at: new Date(now),
          actorId: null,
          actorEmail: `agent:${vr.name}`,
          source: "system",
          action: "enrol",
          objectType: "virtual-router",
          objectUuid: vr.uuid,
          fqName: vr.fq_name.join(":"),
          diff: JSON.stringify({ peer, token_id: t.id, serial: record.serial, fingerprint, not_after: notAfter.toISOString(), revoked: earlier.map((c) => c.serial) }),
        },
      });
      return true;
    });
    if (!used) throw await refuse("token already used", t.id);
    for (const c of earlier) this.markRevoked(c, "re-enrolled", new Date(now));
    this.certs.set(record.serial, record);
    return { certificate: pem, ca: this.caPem };
  }

  private markRevoked(c: CertRecord, why: string, at: Date) {
    c.revokedAt = at;
    c.revokedWhy = why;
    for (const l of this.revokedListeners) l(c);
  }

  /** Revokes every certificate of a virtual-router (deleted, or an admin's decision). */
  async revokeRouter(virtualRouterUuid: string, why: string) {
    const live = this.certificatesOf(virtualRouterUuid).filter((c) => !c.revokedAt);
    if (!live.length) return;
    const at = new Date();
    await this.db.$transaction([
      this.db.agentCertificate.updateMany({ where: { serial: { in: live.map((c) => c.serial) } }, data: { revokedAt: at, revokedWhy: why } }),
      this.audit(SYSTEM_ACTOR, "revoke", virtualRouterUuid, live[0].name, { serials: live.map((c) => c.serial), why }),
    ]);
    for (const c of live) this.markRevoked(c, why, at);
  }

  // ------------------------------------------------------------ sessions

  /**
   * Who is at the other end of an agent session: the TLS layer has already checked that the
   * certificate chains to the Weft CA and that the peer holds its key (grpc-js reports only
   * authorised peers); here: issued by this CA to a virtual-router, not revoked, and the
   * virtual-router still exists under that name.
   */
  identify(peer: PeerCertificate | undefined): Identity {
    if (!peer?.raw) return { ok: false, why: "no client certificate: enrol this compute node first (a token from the console's compute node page, POST /vnc/virtual-router/<uuid>/enrolment-token or weftctl compute-node enrol)" };
    const ou = peer.subject?.OU;
    if ((Array.isArray(ou) ? ou[0] : ou) !== AGENT_OU) return { ok: false, why: `certificate ${peer.subject?.CN ?? "?"} is not a compute node certificate` };
    const rec = this.certs.get(normSerial(peer.serialNumber ?? ""));
    if (!rec) return { ok: false, why: `certificate serial ${peer.serialNumber} was not issued by this control node` };
    if (rec.fingerprint !== peer.fingerprint256) return { ok: false, why: `certificate serial ${peer.serialNumber} does not match the one issued` };
    if (rec.revokedAt) return { ok: false, why: `certificate of ${rec.name} revoked at ${rec.revokedAt.toISOString()} (${rec.revokedWhy ?? "revoked"})` };
    if (rec.notAfter.getTime() < Date.now()) return { ok: false, why: `certificate of ${rec.name} expired at ${rec.notAfter.toISOString()}: enrol again` };
    const vr = this.config.find(rec.virtualRouterUuid);
    if (!vr || vr.type !== "virtual-router" || vr.name !== rec.name) return { ok: false, why: `virtual-router ${rec.name} no longer exists` };
    return { ok: true, name: rec.name, virtualRouterUuid: rec.virtualRouterUuid, serial: rec.serial };
  }

  /** Whether a certificate (PEM) is one this CA issued and still honours. */
  honours(certPem: string): boolean {
    try {
      const c = new X509Certificate(certPem);
      const rec = this.certs.get(normSerial(c.serialNumber));
      return !!rec && !rec.revokedAt && rec.fingerprint === c.fingerprint256 && rec.notAfter.getTime() > Date.now();
    } catch {
      return false;
    }
  }

  private audit(actor: Actor, action: string, uuid: string, fqName: string, diff: unknown) {
    return this.db.auditEntry.create({
      data: { at: new Date(), actorId: actor.userId, actorEmail: actor.email, source: actor.source, action, objectType: "virtual-router", objectUuid: uuid, fqName, diff: JSON.stringify(diff) },
    });
  }
}
