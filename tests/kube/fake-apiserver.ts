// A small Kubernetes API server for tests: no kube-apiserver can be installed here, so this speaks
// the list/watch wire format the real one does — lists with metadata.resourceVersion, watches as
// a stream of JSON lines ({"type":"ADDED|MODIFIED|DELETED|ERROR","object":…}) from a resourceVersion,
// and a compacted history answered with an ERROR event carrying Status 410 (Gone), after which a
// client must relist.
import http from "node:http";
import type { AddressInfo } from "node:net";

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string; [k: string]: unknown }; [k: string]: unknown };
interface Event {
  rv: number;
  path: string;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: Obj;
}

export class FakeApiServer {
  private server = http.createServer((req, res) => this.handle(req, res));
  private rv = 100;
  private compactedRv = 0;
  private readonly objects = new Map<string, Map<string, Obj>>();
  private readonly events: Event[] = [];
  private readonly watchers = new Set<{ path: string; res: http.ServerResponse }>();
  readonly requests: string[] = [];
  url = "";

  async start(host = "127.0.0.1") {
    await new Promise<void>((r) => this.server.listen(0, host, r));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop() {
    for (const w of this.watchers) w.res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** A kubeconfig pointing at this server (token auth, plain HTTP). */
  kubeconfig(): string {
    return [
      "apiVersion: v1",
      "kind: Config",
      "clusters: [{ name: fake, cluster: { server: " + JSON.stringify(this.url) + ", insecure-skip-tls-verify: true } }]",
      "users: [{ name: weft, user: { token: test-token } }]",
      "contexts: [{ name: fake, context: { cluster: fake, user: weft } }]",
      "current-context: fake",
      "",
    ].join("\n");
  }

  private collection(path: string) {
    let m = this.objects.get(path);
    if (!m) this.objects.set(path, (m = new Map()));
    return m;
  }

  put(path: string, o: Obj) {
    const key = `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    const c = this.collection(path);
    const type = c.has(key) ? "MODIFIED" : "ADDED";
    const obj = { ...o, metadata: { ...o.metadata, uid: c.get(key)?.metadata.uid ?? `uid-${key}`, resourceVersion: String(++this.rv) } };
    c.set(key, obj);
    this.emit({ rv: this.rv, path, type, object: obj });
  }

  delete(path: string, namespace: string | undefined, name: string) {
    const key = `${namespace ?? ""}/${name}`;
    const c = this.collection(path);
    const had = c.get(key);
    if (!had) return;
    c.delete(key);
    this.emit({ rv: ++this.rv, path, type: "DELETED", object: { ...had, metadata: { ...had.metadata, resourceVersion: String(this.rv) } } });
  }

  /** Forgets the event history and drops every watch: clients come back with an old resourceVersion, get 410, relist. */
  compact() {
    this.compactedRv = this.rv;
    this.events.length = 0;
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  /** Changes made while nobody watches (the client must find them by relisting). */
  offline(f: () => void) {
    const saved = [...this.watchers];
    this.watchers.clear();
    f();
    this.compactedRv = this.rv;
    this.events.length = 0;
    for (const w of saved) w.res.end();
  }

  private emit(e: Event) {
    this.events.push(e);
    for (const w of this.watchers) if (w.path === e.path) w.res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? "/", this.url);
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.headers.authorization !== "Bearer test-token") {
      res.writeHead(401, { "content-type": "application/json" });
      return res.end(JSON.stringify({ kind: "Status", code: 401, message: "Unauthorized" }));
    }
    const path = url.pathname;
    if (url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1") {
      const from = Number(url.searchParams.get("resourceVersion") || "0");
      res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
      res.flushHeaders();
      if (from < this.compactedRv) {
        res.write(`${JSON.stringify({ type: "ERROR", object: { kind: "Status", apiVersion: "v1", status: "Failure", code: 410, reason: "Expired", message: `too old resource version: ${from} (${this.compactedRv})` } })}\n`);
        return res.end();
      }
      for (const e of this.events) if (e.path === path && e.rv > from) res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
      const w = { path, res };
      this.watchers.add(w);
      req.on("close", () => this.watchers.delete(w));
      return;
    }
    const items = [...this.collection(path).values()];
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ kind: "List", apiVersion: "v1", metadata: { resourceVersion: String(this.rv) }, items }));
  }
}
