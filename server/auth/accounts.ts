// Users, roles, project grants and API tokens, and turning a request's credentials (session
// cookie, HTTP Basic, Bearer token) into the Actor the config service checks.
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

function asRole(r: string | null | undefined): Role {
  return (ROLES as string[]).includes(r ?? "") ? (r as Role) : "viewer";
}

export class Accounts {
  /** sha256(email:password) → user id, so HTTP Basic does not pay scrypt on every request */
  private basicCache = new Map<string, { userId: string; until: number }>();

  constructor(
    private readonly db: Db,
    private readonly auth: Auth,
  ) {}

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

  async actorFromHeaders(headers: Headers, source: Source): Promise<Actor | null> {
    const authz = headers.get("authorization") ?? "";
    let userId: string | null = null;
    if (/^bearer /i.test(authz)) {
      userId = await this.userIdFromToken(authz.slice(7).trim());
      if (!userId) return null;
    } else if (/^basic /i.test(authz)) {
      const decoded = Buffer.from(authz.slice(6).trim(), "base64").toString("utf8");
      const i = decoded.indexOf(":");
      if (i < 0) return null;
      userId = await this.verifyPassword(decoded.slice(0, i), decoded.slice(i + 1));
      if (!userId) return null;
    } else {
      const s = await this.auth.api.getSession({ headers });
      userId = s?.user.id ?? null;
    }
    if (!userId) return null;
    return this.actorFor(userId, source);
  }

  async actorFor(userId: string, source: Source): Promise<Actor | null> {
    const u = await this.db.user.findUnique({ where: { id: userId }, include: { projectGrants: true } });
    if (!u || u.banned) return null;
    return { userId: u.id, email: u.email, role: asRole(u.role), source, projectUuids: u.projectGrants.map((g) => g.projectUuid) };
  }

  async verifyPassword(email: string, password: string): Promise<string | null> {
    const key = sha256(`${email.toLowerCase()}:${password}`);
    const hit = this.basicCache.get(key);
    if (hit && hit.until > Date.now()) return hit.userId;
    const u = await this.db.user.findUnique({ where: { email: email.toLowerCase() }, include: { accounts: true } });
    const acct = u?.accounts.find((a) => a.providerId === "credential" && a.password);
    if (!u || !acct || !(await verifyPassword({ hash: acct.password!, password }))) return null;
    this.basicCache.set(key, { userId: u.id, until: Date.now() + 60_000 });
    return u.id;
  }

  private async userIdFromToken(token: string): Promise<string | null> {
    const t = await this.db.apiToken.findUnique({ where: { tokenHash: sha256(token) } });
    if (!t || t.revokedAt || (t.expiresAt && t.expiresAt < new Date())) return null;
    // last-used is informative: at most one write a minute per token
    if (!t.lastUsedAt || Date.now() - t.lastUsedAt.getTime() > 60_000) {
      await this.db.apiToken.update({ where: { id: t.id }, data: { lastUsedAt: new Date() } });
    }
    return t.userId;
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

  private checkUserInput(input: { email?: string; password?: string; role?: string }) {
    const issues: FieldIssue[] = [];
    if (input.email !== undefined && !EMAIL.test(input.email)) issues.push({ field: "email", message: `"${input.email}" is not an email address` });
    if (input.password !== undefined && input.password.length < 8) issues.push({ field: "password", message: "must be at least 8 characters" });
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
    if (input.banned) ops.push(this.db.session.deleteMany({ where: { userId: u.id } }) as never);
    if (diff.length) ops.push(this.auditRow(by, "update", u.id, u.email, diff) as never);
    await this.db.$transaction(ops);
    return (await this.listUsers()).find((x) => x.id === u.id)!;
  }

  async deleteUser(id: string, by: Actor) {
    const u = await this.db.user.findUnique({ where: { id } });
    if (!u) throw notFound(`user ${id} not found`);
    if (id === by.userId) throw conflict("you cannot delete yourself");
    if (u.role === "admin" && (await this.db.user.count({ where: { role: "admin" } })) === 1) throw conflict(`${u.email} is the last admin`);
    await this.db.$transaction([this.db.user.delete({ where: { id } }), this.auditRow(by, "delete", id, u.email, [{ path: "email", before: u.email }])]);
    this.basicCache.clear();
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
  }
}
