// Names for flow records at ingest time: port uuid / address → port FQ name, virtual network,
// project, Kubernetes namespace, workload and pod labels. Built from the compiled ports and the
// ports' labels (engine.ts passes both in, so analytics imports neither the compiler nor config)
// and rebuilt lazily when they change.
import { labelsText } from "./schema";

export interface DirectoryPort {
  uuid: string;
  fqName: string;
  networkFqName: string;
  vrf: string;
  addresses: string[];
  floatingIps: { address: string; vrf: string }[];
  host: string;
}

export interface Endpoint {
  vmi: string;
  vn: string;
  project: string;
  namespace: string;
  workload: string;
  /** the pod's labels as canonical text (labelsText), "" for none */
  labels: string;
}

const EMPTY: Endpoint = { vmi: "", vn: "", project: "", namespace: "", workload: "", labels: "" };

export function endpointOf(p: Pick<DirectoryPort, "fqName" | "networkFqName">, labels: Record<string, string> | undefined = undefined): Endpoint {
  const fq = p.fqName.split(":");
  const project = fq.length >= 3 ? fq.slice(0, -1).join(":") : p.networkFqName.split(":").slice(0, -1).join(":");
  const projectName = project.split(":").pop() ?? "";
  // contrail-kube-manager names a namespace's project k8s-<namespace> (CONVENTIONS / kube/)
  const namespace = projectName.startsWith("k8s-") ? projectName.slice(4) : "";
  return { vmi: p.fqName, vn: p.networkFqName, project, namespace, workload: fq[fq.length - 1] ?? "", labels: labelsText(labels) };
}

export class Directory {
  private byUuid = new Map<string, Endpoint>();
  /** vrf → address → endpoint (nested: no key string built per record) */
  private byAddr = new Map<string, Map<string, Endpoint>>();
  private byIp = new Map<string, Endpoint | null>();
  private stale = true;

  constructor(
    private readonly ports: () => Iterable<DirectoryPort>,
    /** a port's Kubernetes labels (from its config), by uuid */
    private readonly labelsOf: (uuid: string) => Record<string, string> | undefined = () => undefined,
  ) {}

  invalidate() {
    this.stale = true;
  }

  private build() {
    this.byUuid.clear();
    this.byAddr.clear();
    this.byIp.clear();
    // one string per distinct label set, shared by every endpoint holding it (the store compares them)
    const texts = new Map<string, string>();
    for (const p of this.ports()) {
      const ep = endpointOf(p, this.labelsOf(p.uuid));
      if (ep.labels) {
        const t = texts.get(ep.labels);
        if (t) ep.labels = t;
        else texts.set(ep.labels, ep.labels);
      }
      this.byUuid.set(p.uuid, ep);
      const add = (vrf: string, ip: string) => {
        let m = this.byAddr.get(vrf);
        if (!m) this.byAddr.set(vrf, (m = new Map()));
        m.set(ip, ep);
        // an address used in two VRFs is ambiguous without the VRF
        this.byIp.set(ip, this.byIp.has(ip) && this.byIp.get(ip) !== ep ? null : ep);
      };
      for (const a of p.addresses) add(p.vrf, a);
      for (const f of p.floatingIps) add(f.vrf, f.address);
    }
    this.stale = false;
  }

  port(uuid: string): Endpoint | undefined {
    if (this.stale) this.build();
    return this.byUuid.get(uuid);
  }

  /** The endpoint owning an address, in a VRF first, else anywhere if unambiguous. */
  address(vrf: string, ip: string): Endpoint {
    if (this.stale) this.build();
    return this.byAddr.get(vrf)?.get(ip) ?? this.byIp.get(ip) ?? EMPTY;
  }
}
