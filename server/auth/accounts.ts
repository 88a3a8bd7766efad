// Users, roles, project grants and API tokens, and turning a request's credentials (session
// cookie, HTTP Basic, Bearer token) into the Actor the config service checks.
import { EventEmitter } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { hashPassword, verifyPassword } from "better-auth/crypto";
import { type FieldIssue, WeftError, conflict, notFound } from "../engine/model/errors";
import type { Actor, Role, Source } from "../engine/config/api";
import type { Db } from "../engine/config/db";
import type { Auth } from "./auth";

export const ROLES: Role[] = ["admin", "operator", "viewer"];

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  banned: boolean;
  createdAt: string;
  projectUuids: string[];
}

export interface TokenView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  userEmail: string;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Field limits of user administration (RFC 5321 for the address; a password is hashed with scrypt: bounded). */
export const LIMITS = { email: 254, name: 200, passwordMin: 8, passwordMax: 1024, tokenName: 100 } as const;

/** A credential that stopped being valid: live streams authenticated by it end. */
export interface Revocation {
  /** every credential of this user (password changed, banned, deleted) */
  userId?: string;
  /** one API token */
  tokenId?: string;
}

/**
 * HTTP Basic brute-force limits: failures per account (email) and per client address within a
 * window; past either, Basic sign-in answers 429 until the window has passed.
 */
export interface BasicLimits {
  perAccount: number;
  perClient: number;
  windowMs: number;
}

function asRole(r: string | null | undefined): Role {
  return (ROLES as string[]).includes(r ?? "") ? (r as Role) : "viewer";
}

export class Accounts {
  /** sha256(email:password) → user id, so HTTP Basic does not pay scrypt on every request */
  private basicCache = new Map<string, { userId: string; until: number }>();
  /** Basic failures: "a:<email>" / "c:<client address>" → count and when the window ends */
  private failures = new Map<string, { n: number; until: number }>();
  basicLimits: BasicLimits = {
    perAccount: Number(process.env.WEFT_BASIC_MAX_FAILURES ?? 10),
    perClient: Number(process.env.WEFT_BASIC_MAX_CLIENT_FAILURES ?? 50),
    windowMs: 15 * 60_000,
  };
  /** a real scrypt hash verified for unknown users, so they take as long as known ones */
  private dummyHash: Promise<string> = hashPassword(randomBytes(16).toString("hex"));
  private readonly revocations = new EventEmitter();
  /** scrypt verifications run (Basic): an unknown user costs one, like a known one */
  hashChecks = 0;

  constructor(
    private readonly db: Db,
    private readonly auth: Auth,
  ) {
    this.revocations.setMaxListeners(0);
  }

  /** Calls `f` whenever a credential is revoked (password change, ban, user deleted, token revoked); returns the unsubscribe. */
  onRevoke(f: (r: Revocation) => void): () => void {
    this.revocations.on("revoke", f);
    return () => this.revocations.off("revoke", f);
  }

  private revoke(r: Revocation) {
    this.basicCache.clear();
    this.revocations.emit("revoke", r);
  }

  /**
   * First start: creates the admin from WEFT_ADMIN_EMAIL / WEFT_ADMIN_PASSWORD, or with a
   * generated password kept in <data>/initial-admin-password (0600) until changed.
   */
  async ensureAdmin(dataDir: string): Promise<{ email: string; password: string | null; created: boolean }> {
    const email = (process.env.WEFT_ADMIN_EMAIL ?? "admin@weft.local").toLowerCase();
    const file = path.join(dataDir, "initial-admin-password");
    const existing = await this.db.user.findFirst({ where: { role: "admin" } });
    if (existing) {
      const pw = process.env.WEFT_ADMIN_PASSWORD ?? (fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : null);
      return { email: existing.email, password: pw, created: false };
    }
    let password = process.env.WEFT_ADMIN_PASSWORD ?? null;
    if (!password) {
      password = randomBytes(12).toString("base64url");
      fs.writeFileSync(file, password, { mode: 0o600 });
    }
    await this.createUser({ email, name: "Administrator", password, role: "admin" }, null);
    return { email, password, created: true };
  }

  // ------------------------------------------------------------ who is calling

  /**
   * The caller of a request, or null. `headers` may carry x-weft-client-ip (set by the server from
   * the socket): Basic failures are limited per account and per that address (429 past the limit).
   */
  async actorFromHeaders(headers: Headers, source: Source): Promise<Actor | null> {
    const authz = headers.get("authorization") ?? "";
    let userId: string | null = null;
    let via: Actor["via"];
    let credentialId: string | undefined;
    if (/^bearer /i.test(authz)) {
      const t = await this.tokenFor(authz.slice(7).trim());
      if (!t) return null;
      userId = t.userId;
      via = "token";
      credentialId = t.id;
    } else if (/^basic /i.test(authz)) {
      const decoded = Buffer.from(authz.slice(6).trim(), "base64").toString("utf8");
      const i = decoded.indexOf(":");
      if (i < 0) return null;
      userId = await this.verifyBasic(decoded.slice(0, i), decoded.slice(i + 1), headers.get("x-weft-client-ip") ?? "");
      if (!userId) return null;
      via = "basic";
    } else {
      const s = await this.auth.api.getSession({ headers });
      userId = s?.user.id ?? null;
      via = "session";
      credentialId = s?.session.id;
    }
    if (!userId) return null;
    const actor = await this.actorFor(userId, source);
    return actor ? { ...actor, via, credentialId } : null;
  }

  async actorFor(userId: string, source: Source): Promise<Actor | null> {
    const u = await this.db.user.findUnique({ where: { id: userId }, include: { projectGrants: true } });
    if (!u || u.banned) return null;
    return { userId: u.id, email: u.email, role: asRole(u.role), source, projectUuids: u.projectGrants.map((g) => g.projectUuid) };
  }

  /** HTTP Basic with the brute-force limits: a user id, null (wrong), or a too_many_requests error. */
  async verifyBasic(email: string, password: string, client: string): Promise<string | null> {
    const now = Date.now();
    const keys = [`a:${email.toLowerCase().slice(0, 320)}`, `c:${client}`];
    const limits = [this.basicLimits.perAccount, this.basicLimits.perClient];
    for (let k = 0; k < 2; k++) {
      const f = this.failures.get(keys[k]);
      if (f && f.until > now && f.n >= limits[k]) {
        const wait = Math.ceil((f.until - now) / 1000);
        throw new WeftError("too_many_requests", `too many failed sign-ins for this ${k === 0 ? "account" : "client"}: try again in ${wait} s`, [], { retryAfterSeconds: wait });
      }
    }
    const id = await this.verifyPassword(email, password);
    if (id) {
      this.failures.delete(keys[0]);
      return id;
    }
    for (const key of keys) {
      const f = this.failures.get(key);
      if (!f || f.until <= now) this.failures.set(key, { n: 1, until: now + this.basicLimits.windowMs });
      else f.n++;
    }
    // the map is bounded: expired windows go once it grows
    if (this.failures.size > 100_000) for (const [k, f] of this.failures) if (f.until <= now) this.failures.delete(k);
    return null;
  }

  async verifyPassword(email: string, password: string): Promise<string | null> {
    if (email.length > LIMITS.email || password.length > LIMITS.passwordMax) {
      // still one scrypt: a long input takes as long as any other failure
      this.hashChecks++;
      await verifyPassword({ hash: await this.dummyHash, password: "" }).catch(() => false);
      return null;
    }
    const key = sha256(`${email.toLowerCase()}:${password}`);
    const hit = this.basicCache.get(key);
    if (hit && hit.until > Date.now()) return hit.userId;
    const u = await this.db.user.findUnique({ where: { email: email.toLowerCase() }, include: { accounts: true } });
    const acct = u?.accounts.find((a) => a.providerId === "credential" && a.password);
    // unknown users are checked against a dummy hash: the answer takes as long as for a known one
    this.hashChecks++;
    const ok = await verifyPassword({ hash: acct?.password ?? (await this.dummyHash), password }).catch(() => false);
    if (!u || !acct || !ok || u.banned) return null;
    this.basicCache.set(key, { userId: u.id, until: Date.now() + 60_000 });
    return u.id;
  }

  private async tokenFor(token: string): Promise<{ id: string; userId: string } | null> {
    if (token.length > 200) return null;
    const t = await this.db.apiToken.findUnique({ where: { tokenHash: sha256(token) } });
    if (!t || t.revokedAt || (t.expiresAt && t.expiresAt < new Date())) return null;
    // last-used is informative: at most one write a minute per token
    if (!t.lastUsedAt || Date.now() - t.lastUsedAt.getTime() > 60_000) {
      await this.db.apiToken.update({ where: { id: t.id }, data: { lastUsedAt: new Date() } });
    }
    return { id: t.id, userId: t.userId };
  }

  // ------------------------------------------------------------ users

  /** The signed-in user as the console shows them. */
  async me(userId: string): Promise<{ id: string; email: string; name: string; role: Role; projectUuids: string[] } | null> {
    const u = await this.db.user.findUnique({ where: { id: userId }, include: { projectGrants: true } });
    if (!u || u.banned) return null;
    return { id: u.id, email: u.email, name: u.name, role: asRole(u.role), projectUuids: u.projectGrants.map((g) => g.projectUuid) };
  }

  async listUsers(): Promise<UserView[]> {
    const users = await this.db.user.findMany({ include: { projectGrants: true }, orderBy: { createdAt: "asc" } });
    return users.map((u) => ({
      id: u.id,
      email: u.email,
      name: u.name,
      role: asRole(u.role),
      banned: !!u.banned,
      createdAt: u.createdAt.toISOString(),
      projectUuids: u.projectGrants.map((g) => g.projectUuid),
    }));
  }

  private checkUserInput(input: { email?: string; password?: string; role?: string; name?: string }) {
    const issues: FieldIssue[] = [];
    if (input.email !== undefined && input.email.length > LIMITS.email) issues.push({ field: "email", message: `at most ${LIMITS.email} characters` });
    else if (input.email !== undefined && !EMAIL.test(input.email)) issues.push({ field: "email", message: `"${input.email}" is not an email address` });
    if (input.name !== undefined && input.name.length > LIMITS.name) issues.push({ field: "name", message: `at most ${LIMITS.name} characters` });
    if (input.password !== undefined && input.password.length < LIMITS.passwordMin) issues.push({ field: "password", message: `must be at least ${LIMITS.passwordMin} characters` });
    if (input.password !== undefined && input.password.length > LIMITS.passwordMax) issues.push({ field: "password", message: `at most ${LIMITS.passwordMax} characters` });
    if (input.role !== undefined && !(ROLES as string[]).includes(input.role)) issues.push({ field: "role", message: `must be one of ${ROLES.join(", ")}` });
    if (issues.length) throw new WeftError("bad_request", issues.map((i) => `${i.field}: ${i.message}`).join("; "), issues);
  }

  async createUser(
    input: { email: string; name: string; password: string; role: Role; projectUuids?: string[] },
    by: Actor | null,
  ): Promise<UserView> {
    this.checkUserInput(input);
    const email = input.email.toLowerCase();
    if (await this.db.user.findUnique({ where: { email } })) throw conflict(`a user with email ${email} already exists`);
    const id = randomUUID();
    const hash = await hashPassword(input.password);
    const now = new Date();
    await this.db.$transaction([
      this.db.user.create({ data: { id, email, name: input.name || email, role: input.role, emailVerified: true, createdAt: now, updatedAt: now } }),
      this.db.account.create({ data: { id: randomUUID(), accountId: id, providerId: "credential", userId: id, password: hash, createdAt: now, updatedAt: now } }),
      ...(input.projectUuids ?? []).map((p) => this.db.projectGrant.create({ data: { userId: id, projectUuid: p } })),
      this.auditRow(by, "create", id, email, [
        { path: "email", after: email },
        { path: "role", after: input.role },
        ...(input.projectUuids?.length ? [{ path: "projectUuids", after: input.projectUuids }] : []),
      ]),
    ]);
    return (await this.listUsers()).find((u) => u.id === id)!;
  }

  async updateUser(
    input: { id: string; name?: string; role?: Role; password?: string; projectUuids?: string[]; banned?: boolean },
    by: Actor,
  ): Promise<UserView> {
    this.checkUserInput(input);
    const u = await this.db.user.findUnique({ where: { id: input.id }, include: { projectGrants: true } });
    if (!u) throw notFound(`user ${input.id} not found`);
    if (input.role && input.role !== "admin" && u.role === "admin" && (await this.db.user.count({ where: { role: "admin" } })) === 1) {
      throw conflict(`${u.email} is the last admin: make another admin first`);
    }
    const diff: { path: string; before?: unknown; after?: unknown }[] = [];
    if (input.role && input.role !== u.role) diff.push({ path: "role", before: u.role, after: input.role });
    if (input.name && input.name !== u.name) diff.push({ path: "name", before: u.name, after: input.name });
    if (input.banned !== undefined && input.banned !== !!u.banned) diff.push({ path: "banned", before: !!u.banned, after: input.banned });
    if (input.password) diff.push({ path: "password", after: "(changed)" });
    const grants = u.projectGrants.map((g) => g.projectUuid).sort();
    if (input.projectUuids && JSON.stringify([...input.projectUuids].sort()) !== JSON.stringify(grants)) {
      diff.push({ path: "projectUuids", before: grants, after: input.projectUuids });
    }
    const ops = [
      this.db.user.update({ where: { id: u.id }, data: { name: input.name, role: input.role, banned: input.banned, updatedAt: new Date() } }),
    ];
    if (input.password) {
      ops.push(this.db.account.updateMany({ where: { userId: u.id, providerId: "credential" }, data: { password: await hashPassword(input.password) } }) as never);
      this.basicCache.clear();
    }
    if (input.projectUuids) {
      ops.push(this.db.projectGrant.deleteMany({ where: { userId: u.id } }) as never);
      for (const p of input.projectUuids) ops.push(this.db.projectGrant.create({ data: { userId: u.id, projectUuid: p } }) as never);
    }
    // a new password or a ban ends every session of the user (and the live streams they hold)
    if (input.banned || input.password) ops.push(this.db.session.deleteMany({ where: { userId: u.id } }) as never);
    if (diff.length) ops.push(this.auditRow(by, "update", u.id, u.email, diff) as never);
    await this.db.$transaction(ops);
    if (input.banned || input.password || (input.role && input.role !== u.role)) this.revoke({ userId: u.id });
    return (await this.listUsers()).find((x) => x.id === u.id)!;
  }

  async deleteUser(id: string, by: Actor) {
    const u = await this.db.user.findUnique({ where: { id } });
    if (!u) throw notFound(`user ${id} not found`);
    if (id === by.userId) throw conflict("you cannot delete yourself");
    if (u.role === "admin" && (await this.db.user.count({ where: { role: "admin" } })) === 1) throw conflict(`${u.email} is the last admin`);
    await this.db.$transaction([this.db.user.delete({ where: { id } }), this.auditRow(by, "delete", id, u.email, [{ path: "email", before: u.email }])]);
    this.revoke({ userId: id });
  }

  private auditRow(by: Actor | null, action: string, uuid: string, email: string, diff: unknown[]) {
    return this.db.auditEntry.create({
      data: {
        at: new Date(),
        actorId: by?.userId ?? null,
        actorEmail: by?.email ?? "system",
        source: by?.source ?? "system",
        action,
        objectType: "user",
        objectUuid: uuid,
        fqName: email,
        diff: JSON.stringify(diff),
      },
    });
  }

  // ------------------------------------------------------------ API tokens

  async listTokens(actor: Actor): Promise<TokenView[]> {
    const rows = await this.db.apiToken.findMany({
      where: actor.role === "admin" ? {} : { userId: actor.userId ?? "" },
      include: { user: true },
      orderBy: { createdAt: "desc" },
    });
    const iso = (d: Date | null) => (d ? d.toISOString() : null);
    return rows.map((t) => ({
      id: t.id,
      name: t.name,
      prefix: t.prefix,
      createdAt: t.createdAt.toISOString(),
      lastUsedAt: iso(t.lastUsedAt),
      expiresAt: iso(t.expiresAt),
      revokedAt: iso(t.revokedAt),
      userEmail: t.user.email,
    }));
  }

  /** Creates a token for the caller; the secret is returned once and only its hash is kept. */
  async createToken(actor: Actor, name: string, expiresInDays?: number): Promise<{ id: string; token: string }> {
    if (!actor.userId) throw new WeftError("bad_request", "tokens belong to users");
    if (!name.trim()) throw new WeftError("bad_request", "name: must not be empty", [{ field: "name", message: "must not be empty" }]);
    if (name.length > LIMITS.tokenName) throw new WeftError("bad_request", `name: at most ${LIMITS.tokenName} characters`, [{ field: "name", message: `at most ${LIMITS.tokenName} characters` }]);
    if (expiresInDays !== undefined && (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > 3650)) throw new WeftError("bad_request", "expiresInDays: 1–3650", [{ field: "expiresInDays", message: "1–3650 days" }]);
    const token = `weft_${randomBytes(24).toString("base64url")}`;
    const id = randomUUID();
    await this.db.$transaction([
      this.db.apiToken.create({
        data: {
          id,
          name: name.trim(),
          userId: actor.userId,
          prefix: token.slice(0, 10),
          tokenHash: sha256(token),
          createdAt: new Date(),
          expiresAt: expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null,
        },
      }),
      this.auditRow(actor, "create", id, `token ${name.trim()}`, [{ path: "name", after: name.trim() }]) as never,
    ]);
    return { id, token };
  }

  async revokeToken(actor: Actor, id: string) {
    const t = await this.db.apiToken.findUnique({ where: { id } });
    if (!t || (actor.role !== "admin" && t.userId !== actor.userId)) throw notFound(`token ${id} not found`);
    await this.db.$transaction([
      this.db.apiToken.update({ where: { id }, data: { revokedAt: new Date() } }),
      this.auditRow(actor, "delete", id, `token ${t.name}`, [{ path: "revokedAt", after: new Date().toISOString() }]) as never,
    ]);
    this.revoke({ tokenId: id });
  }
}
