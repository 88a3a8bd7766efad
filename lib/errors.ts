// Reads what the server said went wrong: a sentence and, for bad requests, field issues with
// dotted paths (`network_ipam_refs.0.attr.ipam_subnets.1.default_gateway`).
export interface FieldIssue {
  field: string;
  message: string;
}

interface ErrorWithData {
  message?: unknown;
  data?: { issues?: unknown; code?: unknown; httpStatus?: unknown } | null;
}

export function errorMessage(err: unknown): string {
  if (!err) return "";
  if (typeof err === "string") return err;
  const m = (err as ErrorWithData).message;
  return typeof m === "string" && m.length > 0 ? m : "Something went wrong";
}

export function errorCode(err: unknown): string | undefined {
  const code = (err as ErrorWithData | null)?.data?.code;
  return typeof code === "string" ? code : undefined;
}

export function fieldIssues(err: unknown): FieldIssue[] {
  const issues = (err as ErrorWithData | null)?.data?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.filter(
    (i): i is FieldIssue => !!i && typeof i === "object" && typeof (i as FieldIssue).field === "string" && typeof (i as FieldIssue).message === "string",
  );
}

/**
 * Field errors of a form, from client validation and the server, keyed by dotted path.
 * `at(path)` finds the error of a field or of anything inside it (`…subnets.1` matches
 * `…subnets.1.subnet.ip_prefix`); `rest(known)` returns those no rendered field claims.
 */
export class FieldErrors {
  constructor(readonly issues: FieldIssue[] = []) {}

  static empty = new FieldErrors();

  get size() {
    return this.issues.length;
  }

  at(path: string): string | undefined {
    const hit = this.issues.filter((i) => i.field === path || i.field.startsWith(`${path}.`));
    return hit.length ? hit.map((i) => i.message).join("; ") : undefined;
  }

  /** errors under `prefix` that none of `claimed` (more specific paths) shows */
  under(prefix: string, claimed: string[] = []): string | undefined {
    const hit = this.issues.filter(
      (i) =>
        (i.field === prefix || i.field.startsWith(`${prefix}.`)) &&
        !claimed.some((c) => i.field === c || i.field.startsWith(`${c}.`)),
    );
    return hit.length ? hit.map((i) => i.message).join("; ") : undefined;
  }

  rest(knownPrefixes: string[]): FieldIssue[] {
    return this.issues.filter((i) => !knownPrefixes.some((p) => i.field === p || i.field.startsWith(`${p}.`)));
  }
}

/** zod issues → FieldIssue with dotted paths, prefixed with where the validated value sits. */
export function zodIssues(
  error: { issues: { path: PropertyKey[]; message: string }[] },
  prefix = "",
): FieldIssue[] {
  return error.issues.map((i) => ({
    field: [prefix, ...i.path.map(String)].filter((s) => s !== "").join("."),
    message: i.message,
  }));
}
