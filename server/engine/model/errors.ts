// Errors are values with an HTTP-like status, a machine code and, where one field is at fault,
// the path of that field. Every layer (tRPC, REST, CLI) maps them the same way.
export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "too_many_requests"
  | "timeout"
  | "internal";

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  too_many_requests: 429,
  // a query cut off at its time limit (and cancelled in the database): the controller is fine, the query was too big
  timeout: 503,
  internal: 500,
};

export interface FieldIssue {
  /** dotted path of the field, e.g. `network_ipam_refs.0.attr.ipam_subnets.1.default_gateway` */
  field: string;
  message: string;
}

export class WeftError extends Error {
  readonly code: ErrorCode;
  readonly issues: FieldIssue[];
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, issues: FieldIssue[] = [], details?: unknown) {
    super(message);
    this.name = "WeftError";
    this.code = code;
    this.issues = issues;
    this.details = details;
  }
  get status(): number {
    return STATUS[this.code];
  }
  toJSON() {
    return { code: this.code, message: this.message, issues: this.issues, details: this.details };
  }
}

export const badRequest = (message: string, issues: FieldIssue[] = []) => new WeftError("bad_request", message, issues);
export const fieldError = (field: string, message: string) =>
  new WeftError("bad_request", `${field}: ${message}`, [{ field, message }]);
export const notFound = (message: string) => new WeftError("not_found", message);
export const conflict = (message: string, details?: unknown) => new WeftError("conflict", message, [], details);
export const forbidden = (message: string) => new WeftError("forbidden", message);

export function isWeftError(e: unknown): e is WeftError {
  return e instanceof Error && (e as WeftError).name === "WeftError" && typeof (e as WeftError).code === "string";
}
/** Not allowed, and which field of the request names what the caller may not touch. */
export const forbiddenField = (field: string, message: string) => new WeftError("forbidden", `${field}: ${message}`, [{ field, message }]);
