// `weftctl apply`: create what does not exist, PUT the given fields on what does; the server's
// resource_version tells whether the PUT changed anything (an update that changes nothing is a no-op).
import { type ObjectType, TYPES, CONFIG_ROOT, fqString } from "../server/engine/model/types";
import { ApiError, type Client, UsageError } from "./client";
import type { Document, Obj } from "./body";

export type ApplyResult = "created" | "configured" | "unchanged";

export interface Applied {
  type: ObjectType;
  fq_name: string[];
  uuid: string;
  result: ApplyResult;
}

async function fqNameOf(client: Client, doc: Document): Promise<string[]> {
  const { body, type } = doc;
  if (typeof body.fq_name === "string") body.fq_name = body.fq_name.split(":");
  if (Array.isArray(body.fq_name)) return body.fq_name as string[];
  if (typeof body.name !== "string") throw new UsageError(`${doc.source}: ${type} needs fq_name (or name, with parent_uuid unless top-level)`);
  if (TYPES[type].parents.includes(CONFIG_ROOT)) return [body.name];
  if (typeof body.parent_uuid !== "string") throw new UsageError(`${doc.source}: ${type} ${body.name} needs fq_name or parent_uuid`);
  const parent = await client.post<{ fq_name: string[] }>("/id-to-fqname", { uuid: body.parent_uuid });
  return [...parent.fq_name, body.name];
}

async function findUuid(client: Client, type: ObjectType, fq: string[]): Promise<string | null> {
  try {
    return (await client.post<{ uuid: string }>("/fqname-to-id", { type, fq_name: fq })).uuid;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export async function applyOne(client: Client, doc: Document): Promise<Applied> {
  const { type, body } = doc;
  const fq = await fqNameOf(client, doc);
  const uuid = await findUuid(client, type, fq);
  if (!uuid) {
    const created = await client.post<Record<string, Obj>>(`/${type}s`, { [type]: body });
    return { type, fq_name: fq, uuid: String(created[type].uuid), result: "created" };
  }
  const before = await client.get<Record<string, Obj>>(`/${type}/${uuid}?fields=resource_version`);
  const after = await client.put<Record<string, Obj>>(`/${type}/${uuid}`, { [type]: body });
  const changed = after[type].resource_version !== before[type].resource_version;
  return { type, fq_name: fq, uuid, result: changed ? "configured" : "unchanged" };
}

/** Applies in order and stops at the first error (after reporting what was done). */
export async function applyAll(client: Client, docs: Document[], onResult: (a: Applied) => void): Promise<Applied[]> {
  const out: Applied[] = [];
  for (const doc of docs) {
    let a: Applied;
    try {
      a = await applyOne(client, doc);
    } catch (e) {
      if (e instanceof ApiError) throw new ApiError(e.status, `${doc.source} (${doc.type}${Array.isArray(doc.body.fq_name) ? ` ${fqString(doc.body.fq_name as string[])}` : ""}): ${e.message}`, e.issues);
      throw e;
    }
    out.push(a);
    onResult(a);
  }
  return out;
}
