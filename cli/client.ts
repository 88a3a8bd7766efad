// The REST client: every weftctl command goes through /vnc with fetch.
import { type SavedCredentials, loadCredentials } from "./credentials";

export const DEFAULT_SERVER = "http://localhost:3000";

export interface Issue {
  field: string;
  message: string;
}

/** The server answered with an error (exit 1). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
  }
}

/** Nobody answered at the server's address (exit 2). */
export class UnreachableError extends Error {}

/** Wrong use of the CLI (exit 1). */
export class UsageError extends Error {}

export type Credentials = { token: string } | { user: string; password: string } | null;

export interface ConnectionFlags {
  server?: string;
  token?: string;
  user?: string;
  password?: string;
}

export const normalizeServer = (s: string) => s.replace(/\/+$/, "").replace(/\/vnc$/, "");

/** Flags, then environment, then the saved login (only for the server it was saved for). */
export function resolveConnection(flags: ConnectionFlags, saved: SavedCredentials | null = loadCredentials()): { server: string; credentials: Credentials } {
  const explicit = flags.server ?? process.env.WEFT_URL;
  const server = normalizeServer(explicit ?? saved?.server ?? DEFAULT_SERVER);
  const env = process.env;
  const pick = (): Credentials => {
    if (flags.token) return { token: flags.token };
    if (flags.user || flags.password) {
      if (!flags.user || !flags.password) throw new UsageError("--user and --password go together");
      return { user: flags.user, password: flags.password };
    }
    if (env.WEFT_TOKEN) return { token: env.WEFT_TOKEN };
    if (env.WEFT_USER && env.WEFT_PASSWORD) return { user: env.WEFT_USER, password: env.WEFT_PASSWORD };
    if (saved && normalizeServer(saved.server) === server) {
      if (saved.token) return { token: saved.token };
      if (saved.user && saved.password) return { user: saved.user, password: saved.password };
    }
    return null;
  };
  return { server, credentials: pick() };
}

export class Client {
  constructor(
    readonly server: string,
    private readonly credentials: Credentials,
  ) {}

  private authorization(): string | undefined {
    const c = this.credentials;
    if (!c) return undefined;
    if ("token" in c) return `Bearer ${c.token}`;
    return `Basic ${Buffer.from(`${c.user}:${c.password}`).toString("base64")}`;
  }

  async request<T = Record<string, unknown>>(method: string, pathname: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json", "x-weft-client": "weftctl" };
    const authz = this.authorization();
    if (authz) headers.authorization = authz;
    // a string body is sent as it is (a YAML manifest); paths under /api/ are not /vnc's
    if (body !== undefined) headers["content-type"] = typeof body === "string" ? "application/yaml" : "application/json";
    const url = pathname.startsWith("/api/") ? `${this.server}${pathname}` : `${this.server}/vnc${pathname}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new UnreachableError(`cannot reach the Weft server at ${this.server} (${why}); set --server or WEFT_URL`);
    }
    const text = await res.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError(res.status, `${method} ${url}: HTTP ${res.status}, not a JSON answer: is ${this.server} a Weft server?`);
    }
    if (!res.ok && !(res.status === 400 && (data as { results?: unknown }).results)) {
      const err = data as { message?: string; issues?: Issue[] };
      let message = err.message ?? `HTTP ${res.status}`;
      if (res.status === 401) message += this.credentials ? "" : " (run `weftctl login`, or set WEFT_TOKEN)";
      throw new ApiError(res.status, message, Array.isArray(err.issues) ? err.issues : []);
    }
    return data as T;
  }

  get<T = Record<string, unknown>>(pathname: string) {
    return this.request<T>("GET", pathname);
  }
  post<T = Record<string, unknown>>(pathname: string, body: unknown) {
    return this.request<T>("POST", pathname, body);
  }
  put<T = Record<string, unknown>>(pathname: string, body: unknown) {
    return this.request<T>("PUT", pathname, body);
  }
  delete<T = Record<string, unknown>>(pathname: string) {
    return this.request<T>("DELETE", pathname);
  }
}
