// The config objects in memory, with the indexes every read and every validation needs:
// by uuid, by (type, fq_name), children by parent, back-refs by target, and the IPAM
// allocators (an allocator's used-address map is just another index of instance-ip and
// floating-ip objects). Loaded from the database at start; the database stays the truth.
import { NetworkAllocator } from "../ipam/allocator";
import { planOf } from "../ipam/subnet";
import type { IpamSubnet } from "../model/schemas";
import { type ConfigObject, type ObjectType, type Ref, OBJECT_TYPES, fqString, refsOf } from "../model/types";

export interface BackRef {
  from: string;
  field: string;
  attr?: unknown;
}

const fqKey = (type: string, fq: string[]) => `${type}\u0000${fqString(fq)}`;

export function subnetsOfNetwork(vn: ConfigObject): IpamSubnet[] {
  const refs = (vn.network_ipam_refs as Ref[] | undefined) ?? [];
  return refs.flatMap((r) => ((r.attr as { ipam_subnets?: IpamSubnet[] } | undefined)?.ipam_subnets ?? []));
}

export class MemoryStore {
  readonly byUuid = new Map<string, ConfigObject>();
  private readonly byFq = new Map<string, string>();
  private readonly byType = new Map<ObjectType, Set<string>>(OBJECT_TYPES.map((t) => [t, new Set<string>()]));
  private readonly childIndex = new Map<string, Set<string>>();
  private readonly backRefIndex = new Map<string, Map<string, BackRef>>();
  /** one allocator per virtual network uuid */
  readonly allocators = new Map<string, NetworkAllocator>();

  get(uuid: string): ConfigObject | undefined {
    return this.byUuid.get(uuid);
  }

  getByFq(type: string, fq: string[]): ConfigObject | undefined {
    const u = this.byFq.get(fqKey(type, fq));
    return u ? this.byUuid.get(u) : undefined;
  }

  uuidsOfType(type: ObjectType): Set<string> {
    return this.byType.get(type)!;
  }

  childrenOf(uuid: string): ConfigObject[] {
    return [...(this.childIndex.get(uuid) ?? [])].map((u) => this.byUuid.get(u)!).filter(Boolean);
  }

  backRefsOf(uuid: string): BackRef[] {
    return [...(this.backRefIndex.get(uuid)?.values() ?? [])];
  }

  /** Inserts or replaces an object and maintains every index. */
  put(obj: ConfigObject) {
    const old = this.byUuid.get(obj.uuid);
    if (old) this.unindex(old);
    this.byUuid.set(obj.uuid, obj);
    this.byFq.set(fqKey(obj.type, obj.fq_name), obj.uuid);
    this.byType.get(obj.type)!.add(obj.uuid);
    if (obj.parent_uuid) {
      let s = this.childIndex.get(obj.parent_uuid);
      if (!s) this.childIndex.set(obj.parent_uuid, (s = new Set()));
      s.add(obj.uuid);
    }
    for (const { field, refs } of refsOf(obj)) {
      for (const r of refs) {
        let m = this.backRefIndex.get(r.uuid);
        if (!m) this.backRefIndex.set(r.uuid, (m = new Map()));
        m.set(obj.uuid, { from: obj.uuid, field, attr: r.attr });
      }
    }
    if (obj.type === "virtual-network") {
      const plans = subnetsOfNetwork(obj).map(planOf);
      const a = this.allocators.get(obj.uuid);
      if (a) a.setPlans(plans);
      else this.allocators.set(obj.uuid, new NetworkAllocator(obj.uuid, `virtual-network ${fqString(obj.fq_name)}`, plans));
    }
    const alloc = this.allocationOf(obj);
    if (alloc) this.allocators.get(alloc.network)?.used.set(alloc.address, obj.uuid);
  }

  remove(uuid: string) {
    const old = this.byUuid.get(uuid);
    if (!old) return;
    this.unindex(old);
    this.byUuid.delete(uuid);
    if (old.type === "virtual-network") this.allocators.delete(uuid);
  }

  private unindex(obj: ConfigObject) {
    this.byFq.delete(fqKey(obj.type, obj.fq_name));
    this.byType.get(obj.type)!.delete(obj.uuid);
    if (obj.parent_uuid) this.childIndex.get(obj.parent_uuid)?.delete(obj.uuid);
    for (const { refs } of refsOf(obj)) for (const r of refs) this.backRefIndex.get(r.uuid)?.delete(obj.uuid);
    const alloc = this.allocationOf(obj);
    if (alloc) {
      const a = this.allocators.get(alloc.network);
      if (a && a.used.get(alloc.address) === obj.uuid) a.release(alloc.address);
    }
  }

  /** The address an instance-ip or floating-ip holds, and the network it comes from. */
  allocationOf(obj: ConfigObject): { network: string; address: string } | null {
    if (obj.type === "instance-ip") {
      const vn = (obj.virtual_network_refs as Ref[] | undefined)?.[0]?.uuid;
      const address = obj.instance_ip_address as string | undefined;
      return vn && address ? { network: vn, address } : null;
    }
    if (obj.type === "floating-ip") {
      const pool = obj.parent_uuid ? this.byUuid.get(obj.parent_uuid) : undefined;
      const address = obj.floating_ip_address as string | undefined;
      return pool?.parent_uuid && address ? { network: pool.parent_uuid, address } : null;
    }
    return null;
  }
}
