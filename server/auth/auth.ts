// better-auth: email/password sign-in, scrypt-hashed passwords, httpOnly session cookies.
// Users are created by admins (and the first admin at first start), never by public sign-up.
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { admin } from "better-auth/plugins";
import type { Db } from "../engine/config/db";

export function loadSecret(dataDir: string): string {
  if (process.env.WEFT_AUTH_SECRET) return process.env.WEFT_AUTH_SECRET;
  const file = path.join(dataDir, "auth-secret");
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  const s = randomBytes(32).toString("hex");
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, s, { mode: 0o600 });
  return s;
}

export function createAuth(db: Db, opts: { baseURL: string; secret: string; port: number }) {
  const origins = new Set([opts.baseURL, `http://localhost:${opts.port}`, `http://127.0.0.1:${opts.port}`]);
  for (const o of (process.env.WEFT_TRUSTED_ORIGINS ?? "").split(",").filter(Boolean)) origins.add(o);
  return betterAuth({
    appName: "Weft",
    baseURL: opts.baseURL,
    secret: opts.secret,
    trustedOrigins: [...origins],
    database: prismaAdapter(db, { provider: "sqlite" }),
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 8 },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    rateLimit: {
      enabled: process.env.WEFT_AUTH_RATE_LIMIT !== "0",
      window: 60,
      max: 300,
      customRules: { "/sign-in/email": { window: 10, max: 30 } },
    },
    // the sign-in limit keys on the address server/main.ts derived from the socket (X-Forwarded-For
    // only from WEFT_TRUSTED_PROXIES), never on a header a client may set
    advanced: { useSecureCookies: opts.baseURL.startsWith("https:"), ipAddress: { ipAddressHeaders: ["x-weft-client-ip"] } },
    plugins: [admin({ defaultRole: "viewer", adminRoles: ["admin"] })],
    telemetry: { enabled: false },
  });
}

export type Auth = ReturnType<typeof createAuth>;
