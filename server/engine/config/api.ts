// The config service's public surface: what tRPC routers, the REST API, the CLI and (later) the
// compiler and kube manager call. Implementation: ./service.ts.
import type { ConfigObject, ObjectType } from "../model/types";

export type Role = "admin" | "operator" | "viewer";
export type Source = "console" | "api" | "cli" | "system" | "kube";

/** Who makes a change; lands in the audit log. */
export interface Actor {
  userId: string | null;
  email: string;
  role: Role;
  source: Source;
  /** projects an operator may write in (uuids); ignored for admin */
  projectUuids?: string[];
  /** how the caller authenticated (the web layer ends live streams when that credential goes) */
  via?: "session" | "basic" | "token";
  /** the API token (id) or session (id) the caller used */
  credentialId?: string;
}

export const SYSTEM_ACTOR: Actor = { userId: null, email: "system", role: "admin", source: "system" };

/** Body of a create: Contrail's JSON for the type (fq_name or name + parent, props, refs). */
export type CreateInput = Record<string, unknown> & {
  fq_name?: string[];
  name?: string;
  parent_type?: string;
  parent_uuid?: string;
  uuid?: string;
};

/** Body of an update: the fields to change (absent fields keep their value). */
export type UpdateInput = Record<string, unknown> & { resource_version?: number };

export interface ListOptions {
  parentUuid?: string | string[];
  /** only objects under these projects (any depth): the console's project selector */
  projectUuid?: string;
  /** exact fq_name match */
  fqName?: string[];
  /** uuids to return */
  uuids?: string[];
  /** free-text filter on name / fq_name / uuid */
  search?: string;
  /** e.g. { "router_external": true } property equality */
  filters?: Record<string, unknown>;
}

export interface ChildRef {
  to: string[];
  uuid: string;
  type: ObjectType;
}

export interface RefUpdateInput {
  operation: "ADD" | "DELETE";
  type: ObjectType;
  uuid: string;
  refType: ObjectType;
  refUuid?: string;
  refFqName?: string[];
  attr?: unknown;
}

export interface ChangeEvent {
  seq: number;
  at: string;
  op: "create" | "update" | "delete";
  type: ObjectType;
  uuid: string;
  fqName: string;
  resourceVersion: number;
  /** the object after the change (null on delete) */
  object: ConfigObject | null;
}

export interface AuditRecord {
  id: number;
  at: string;
  actorId: string | null;
  actorEmail: string;
  source: Source;
  action: "create" | "update" | "delete" | "ref-update";
  objectType: string;
  objectUuid: string;
  fqName: string;
  /** field-level differences: path → before/after */
  diff: { path: string; before?: unknown; after?: unknown }[];
}

export interface AuditQuery {
  actor?: string;
  objectType?: string;
  objectUuid?: string;
  from?: Date;
  to?: Date;
  /** id to continue before (newest first) */
  before?: number;
  limit?: number;
  /**
   * Only the entries of objects in these projects (FQ names: the project itself and everything
   * under it) — never user administration; null / absent = every entry (admins).
   */
  projects?: string[] | null;
}

export interface ConfigApi {
  create(type: ObjectType, body: CreateInput, actor: Actor): Promise<ConfigObject>;
  update(type: ObjectType, uuid: string, body: UpdateInput, actor: Actor): Promise<ConfigObject>;
  delete(type: ObjectType, uuid: string, actor: Actor): Promise<void>;
  refUpdate(input: RefUpdateInput, actor: Actor): Promise<ConfigObject>;
  get(type: ObjectType, uuid: string): ConfigObject; // throws not_found
  find(uuid: string): ConfigObject | undefined;
  getByFqName(type: ObjectType, fq: string[]): ConfigObject | undefined;
  list(type: ObjectType, opts?: ListOptions): ConfigObject[];
  count(type: ObjectType): number;
  children(uuid: string): ChildRef[];
  backRefs(uuid: string): (ChildRef & { field: string; attr?: unknown })[];
  /** project an object belongs to (itself for a project), for operator grants */
  projectOf(obj: ConfigObject): ConfigObject | undefined;
  audit(q: AuditQuery): Promise<AuditRecord[]>;
  /** change feed: events after `seq`, in order */
  changesSince(seq: number, limit?: number): Promise<ChangeEvent[]>;
  /** live change feed; returns an unsubscribe function */
  subscribe(listener: (e: ChangeEvent) => void): () => void;
  readonly lastSeq: number;
}
