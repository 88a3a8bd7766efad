// The live source: list+watch of a Kubernetes API server through @kubernetes/client-node's
// informers (resourceVersion bookkeeping, 410 Gone → relist, deletes computed on relist), one
// per kind, configured by a kubeconfig. Every event lands in the same store as manifests do.
import { type KubeConfig as KubeConfigType, type KubernetesListObject, type KubernetesObject, KubeConfig, makeInformer } from "@kubernetes/client-node";
import type { Kind, KubeObject } from "./resources";
import { validateObject } from "./resources";
import type { KubeManager } from "./manager";

const RESOURCES: { kind: Kind; path: string }[] = [
  { kind: "Namespace", path: "/api/v1/namespaces" },
  { kind: "NetworkAttachmentDefinition", path: "/apis/k8s.cni.cncf.io/v1/network-attachment-definitions" },
  { kind: "Pod", path: "/api/v1/pods" },
  { kind: "Service", path: "/api/v1/services" },
  { kind: "Ingress", path: "/apis/networking.k8s.io/v1/ingresses" },
  { kind: "NetworkPolicy", path: "/apis/networking.k8s.io/v1/networkpolicies" },
];

export interface WatchStatus {
  kubeconfig: string;
  server: string;
  kinds: { kind: Kind; state: "listing" | "watching" | "error"; lastError: string; events: number; relists: number }[];
}

export class KubeWatchSource {
  private readonly kc: KubeConfigType;
  private informers: { stop(): Promise<void> | void }[] = [];
  private stopped = false;
  readonly status: WatchStatus;

  constructor(
    private readonly kube: KubeManager,
    kubeconfig: string,
    private readonly log: (l: string) => void = () => {},
    private readonly retryMs = 2000,
  ) {
    this.kc = new KubeConfig();
    this.kc.loadFromFile(kubeconfig);
    this.status = {
      kubeconfig,
      server: this.kc.getCurrentCluster()?.server ?? "",
      kinds: RESOURCES.map((r) => ({ kind: r.kind, state: "listing", lastError: "", events: 0, relists: 0 })),
    };
  }

  async start() {
    for (const [i, r] of RESOURCES.entries()) {
      const st = this.status.kinds[i];
      const list = async (): Promise<KubernetesListObject<KubernetesObject>> => {
        st.state = "listing";
        st.relists++;
        const opts = await this.kc.applyToFetchOptions({ method: "GET" });
        const res = await fetch(`${this.status.server}${r.path}`, { headers: opts.headers as Record<string, string> });
        if (!res.ok) throw Object.assign(new Error(`GET ${r.path}: ${res.status} ${res.statusText}`), { statusCode: res.status });
        const body = (await res.json()) as KubernetesListObject<KubernetesObject>;
        st.state = "watching";
        return body;
      };
      const inf = makeInformer(this.kc, r.path, list);
      const onEvent = (o: KubernetesObject) => {
        st.events++;
        const { object, issues } = validateObject({ ...o, kind: r.kind, apiVersion: o.apiVersion ?? "v1" });
        if (!object) {
          this.log(`kube watch: ${r.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? "?"} ignored: ${issues.map((x) => `${x.field}: ${x.message}`).join("; ")}`);
          return;
        }
        this.kube.upsert(object as KubeObject, "watch");
      };
      inf.on("add", onEvent);
      inf.on("update", onEvent);
      inf.on("delete", (o) => {
        st.events++;
        if (o.metadata?.name) this.kube.remove(r.kind, r.kind === "Namespace" ? undefined : (o.metadata.namespace ?? "default"), o.metadata.name);
      });
      inf.on("error", (err) => {
        if (this.stopped) return;
        st.state = "error";
        st.lastError = (err as Error)?.message ?? String(err);
        this.log(`kube watch ${r.path}: ${st.lastError}; retrying in ${this.retryMs} ms`);
        // the informer stops on an error other than 410: start it again (it relists)
        setTimeout(() => {
          if (!this.stopped) void inf.start().catch(() => {});
        }, this.retryMs).unref?.();
      });
      this.informers.push(inf);
      // not awaited: an unreachable API server must not hold up the console's start
      void inf.start().catch((e) => {
        st.state = "error";
        st.lastError = (e as Error).message;
      });
    }
  }

  async stop() {
    this.stopped = true;
    for (const i of this.informers) await i.stop();
    this.informers = [];
  }
}
