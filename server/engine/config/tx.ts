// One write in progress: the changes it makes (object, audit entry, change-feed event each)
// and how to undo them in memory when validation fails or the group commit does.
import type { NetworkAllocator } from "../ipam/allocator";
import { type ConfigObject, fqString } from "../model/types";
import type { Actor, AuditRecord } from "./api";
import { diffObjects } from "./diff";
import type { PendingChange } from "./persistence";
import type { MemoryStore } from "./store";

/** One write in progress: its changes and how to undo them. */
export class Tx {
  readonly changes: PendingChange[] = [];
  private readonly undo: (() => void)[] = [];
  private readonly allocations: { allocator: NetworkAllocator; address: string; owner: string }[] = [];
  resolve!: () => void;
  reject!: (e: unknown) => void;

  constructor(
    private readonly store: MemoryStore,
    readonly actor: Actor,
  ) {}

  put(obj: ConfigObject, action: "create" | "update" | "ref-update") {
    const before = this.store.get(obj.uuid) ?? null;
    this.store.put(obj);
    this.undo.push(() => (before ? this.store.put(before) : this.store.remove(obj.uuid)));
    this.record(before, obj, action);
  }

  remove(obj: ConfigObject) {
    this.store.remove(obj.uuid);
    this.undo.push(() => this.store.put(obj));
    this.record(obj, null, "delete");
  }

  allocated(allocator: NetworkAllocator, address: string, owner: string) {
    this.allocations.push({ allocator, address, owner });
  }

  private record(before: ConfigObject | null, after: ConfigObject | null, action: AuditRecord["action"]) {
    const o = (after ?? before)!;
    const at = new Date().toISOString();
    this.changes.push({
      before,
      after,
      allocation: after ? this.store.allocationOf(after) : null,
      audit: {
        at,
        actorId: this.actor.userId,
        actorEmail: this.actor.email,
        source: this.actor.source,
        action,
        objectType: o.type,
        objectUuid: o.uuid,
        fqName: fqString(o.fq_name),
        diff: diffObjects(before, after),
      },
      event: {
        at,
        op: after === null ? "delete" : before === null ? "create" : "update",
        type: o.type,
        uuid: o.uuid,
        fqName: fqString(o.fq_name),
        resourceVersion: o.resource_version,
        object: after,
      },
    });
  }

  rollback() {
    for (const u of this.undo.reverse()) u();
    this.undo.length = 0;
    for (const { allocator, address, owner } of this.allocations) {
      if (allocator.used.get(address) === owner && !this.store.get(owner)) allocator.release(address);
    }
  }
}
