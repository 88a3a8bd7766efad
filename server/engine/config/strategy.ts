// The rules of one object type, behind one interface, as Kubernetes keeps them in
// pkg/registry/<group>/<resource>/strategy.go (PrepareForCreate, PrepareForUpdate, Validate,
// Canonicalize). The config service (service.ts) keeps what is common to every type: parsing
// and ref resolution, authorisation, the transaction, audit and the change feed; it calls the
// type's strategy at fixed points. A new type = a file in ./types + one line in ./types/index.ts.
import type { ConfigObject, ObjectType } from "../model/types";
import type { Actor, CreateInput } from "./api";
import type { MemoryStore } from "./store";
import type { Tx } from "./tx";

/** What a strategy may look at and do during one write. */
export interface RuleContext {
  readonly store: MemoryStore;
  readonly tx: Tx;
  readonly actor: Actor;
  /** global-system-config's autonomous_system */
  readonly clusterAsn: number;
  projectOf(o: ConfigObject): ConfigObject | undefined;
  list(type: ObjectType): ConfigObject[];
  /** the next free value of an integer id field of a type (max + 1, from `base`) */
  nextId(type: ObjectType, field: string, base: number): number;
  /** builds a new object as a create would (parse, authorise, type rules); the caller puts it */
  buildNew(type: ObjectType, body: CreateInput): ConfigObject;
  /** counts an IPAM refusal (metrics) */
  allocationFailed(): void;
}

export interface TypeStrategy {
  /**
   * PrepareForCreate/PrepareForUpdate + Validate + Canonicalize: defaults, cross-field checks,
   * reference rules, id and address allocation. `obj` is a fresh copy the strategy may mutate;
   * `current` is the stored version (null on create). Throws a WeftError to refuse the write.
   */
  prepare?(obj: ConfigObject, current: ConfigObject | null, ctx: RuleContext): void;
  /** objects written together with this one (Contrail's side effects), after it is put */
  afterWrite?(obj: ConfigObject, current: ConfigObject | null, ctx: RuleContext): void;
  /** children that go away with the object on delete (they do not count as "in use") */
  ownedChildren?(obj: ConfigObject, ctx: RuleContext): ConfigObject[];
  /** what is allowed but probably not what the user wants: shown with a successful write */
  warnings?(obj: ConfigObject, store: MemoryStore): string[];
}
