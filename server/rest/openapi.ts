// OpenAPI 3.1 description of /vnc, generated from the same zod schemas the engine validates with.
import { z } from "zod";
import { RefInputSchema } from "../engine/model/schemas";
import { OBJECT_TYPES, TYPES, refField } from "../engine/model/types";
import { TrafficStartSchema } from "./traffic";

let cached: Record<string, unknown> | null = null;

function objectSchema(type: (typeof OBJECT_TYPES)[number]) {
  const def = TYPES[type];
  const refs: Record<string, unknown> = {};
  for (const [k, r] of Object.entries(def.refs)) {
    refs[refField(k)] = {
      type: "array",
      description: `refs to ${r.to}${r.required ? " (required)" : ""}${r.single ? " (at most one)" : ""}`,
      items: {
        type: "object",
        properties: {
          to: { type: "array", items: { type: "string" }, description: `fq_name of the ${r.to}` },
          uuid: { type: "string" },
          attr: r.attr ? z.toJSONSchema(r.attr, { io: "input", unrepresentable: "any" }) : {},
        },
      },
    };
  }
  const props = z.toJSONSchema(def.props, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, unknown> };
  return {
    type: "object",
    properties: {
      uuid: { type: "string", format: "uuid" },
      fq_name: { type: "array", items: { type: "string" }, example: def.parents.includes("config-root") ? ["name"] : ["default-domain", "project", "name"] },
      parent_type: { type: "string", enum: def.parents },
      parent_uuid: { type: "string" },
      name: { type: "string" },
      display_name: { type: "string" },
      resource_version: { type: "integer", description: "optimistic concurrency: send it back on PUT; a stale one gets 409" },
      id_perms: { type: "object" },
      ...props.properties,
      ...refs,
    },
  };
}

export function openApiDocument(base: string): Record<string, unknown> {
  if (cached) return { ...cached, servers: [{ url: base }] };
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { Ref: z.toJSONSchema(RefInputSchema, { io: "input", unrepresentable: "any" }) };
  const err = { description: "error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
  schemas.Error = {
    type: "object",
    properties: { code: { type: "string" }, message: { type: "string" }, issues: { type: "array", items: { type: "object", properties: { field: { type: "string" }, message: { type: "string" } } } } },
  };
  for (const t of OBJECT_TYPES) {
    schemas[t] = objectSchema(t);
    const wrapped = { type: "object", properties: { [t]: { $ref: `#/components/schemas/${t}` } }, required: [t] };
    const body = { required: true, content: { "application/json": { schema: wrapped } } };
    // Weft's addition to Contrail's answer: `warnings` next to the object when something is allowed but
    // probably not what was meant (e.g. a floating IP pool on a network without a route target)
    const answered = { ...wrapped, properties: { ...wrapped.properties, warnings: { type: "array", items: { type: "string" }, description: "present only when there are warnings" } } };
    const ok = { description: "OK", content: { "application/json": { schema: answered } } };
    paths[`/${t}s`] = {
      get: {
        summary: `List ${t}s`,
        tags: [t],
        parameters: ["detail", "parent_id", "fields", "obj_uuids", "back_ref_id", "count", "filters", "fq_name_str"].map((name) => ({ name, in: "query", schema: { type: "string" } })),
        responses: { 200: { description: "OK" }, 401: err },
      },
      post: { summary: `Create a ${t}`, tags: [t], requestBody: body, responses: { 200: ok, 400: err, 401: err, 403: err, 404: err, 409: err } },
    };
    paths[`/${t}/{uuid}`] = {
      parameters: [{ name: "uuid", in: "path", required: true, schema: { type: "string" } }],
      get: { summary: `Read a ${t}`, tags: [t], responses: { 200: ok, 404: err } },
      put: { summary: `Update a ${t}`, tags: [t], requestBody: body, responses: { 200: ok, 400: err, 403: err, 404: err, 409: err } },
      delete: { summary: `Delete a ${t}`, tags: [t], responses: { 200: { description: "deleted" }, 403: err, 404: err, 409: err } },
    };
  }
  paths["/bgp-router-status"] = {
    get: {
      summary: "Operational state of every bgp-router: session state and reason, prefixes, RFC 7606 outcomes (treat-as-withdraw, attribute discard, session reset), routes ignored (AS loop, own ORIGINATOR_ID / CLUSTER_ID)",
      tags: ["bgp"],
      responses: { 200: { description: '{"bgp-router-status": [...]}' }, 401: err },
    },
  };
  paths["/bgp-router-status/{id}"] = {
    get: {
      summary: "Operational state of one bgp-router (uuid or fq_name joined with ':')",
      tags: ["bgp"],
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
      responses: { 200: { description: '{"bgp-router-status": {...}}' }, 404: err },
    },
  };
  paths["/fqname-to-id"] = {
    post: {
      summary: "fq_name → uuid",
      requestBody: { content: { "application/json": { schema: { type: "object", properties: { type: { type: "string" }, fq_name: { type: "array", items: { type: "string" } } } } } } },
      responses: { 200: { description: "{uuid}" }, 404: err },
    },
  };
  paths["/virtual-router/{uuid}/enrolment-token"] = {
    post: {
      summary: "Issue a one-time enrolment token for a compute node (admins; audited). Its agent starts once with it (WEFT_ENROL_TOKEN or --enrol-token) and receives its certificate from the Weft agent CA.",
      requestBody: { required: false, content: { "application/json": { schema: { type: "object", properties: { ttl_seconds: { type: "integer", minimum: 60, maximum: 604800, default: 3600 } } } } } },
      responses: { 200: { description: '{"enrolment-token": {token, id, virtual_router, virtual_router_uuid, expires_at, agent_command}}' }, 403: err, 404: err },
    },
    get: {
      summary: "The node's enrolment tokens (never their secrets) and certificates (admins)",
      responses: { 200: { description: '{"enrolment-tokens": [...], certificates: [...]}' }, 403: err, 404: err },
    },
  };
  paths["/id-to-fqname"] = {
    post: {
      summary: "uuid → type and fq_name",
      requestBody: { content: { "application/json": { schema: { type: "object", properties: { uuid: { type: "string" } } } } } },
      responses: { 200: { description: "{type, fq_name}" }, 404: err },
    },
  };
  paths["/ref-update"] = {
    post: {
      summary: "Add or delete one ref",
      requestBody: {
        content: {
          "application/json": {
            schema: {
              type: "object",
              properties: {
                operation: { enum: ["ADD", "DELETE"] },
                type: { type: "string" },
                uuid: { type: "string" },
                "ref-type": { type: "string" },
                "ref-uuid": { type: "string" },
                "ref-fq-name": { type: "array", items: { type: "string" } },
                attr: {},
              },
            },
          },
        },
      },
      responses: { 200: { description: "{uuid}" }, 400: err, 403: err, 404: err },
    },
  };
  // the Kubernetes manager (kubectl apply/delete -f); absolute paths: they live outside /vnc
  const yamlBody = { required: true, content: { "application/yaml": { schema: { type: "string", description: "one or more Kubernetes YAML documents" } } } };
  const kubeAnswer = {
    description: "per document: kind, namespace, name, action (created|configured|unchanged|deleted|not found|invalid|not applied|valid), errors [{field, message, line}], warnings, status, produced Weft objects",
    content: { "application/json": { schema: { type: "object", properties: { ok: { type: "boolean" }, results: { type: "array", items: { type: "object" } } } } } },
  };
  const kubeParams = [
    { name: "namespace", in: "query", schema: { type: "string", default: "default" }, description: "namespace of documents that name none" },
    { name: "wait", in: "query", schema: { type: "boolean", default: true }, description: "answer after the reconciles ran (status, produced)" },
    { name: "timeout_ms", in: "query", schema: { type: "integer", default: 30000 } },
  ];
  const root = [{ url: "/", description: "the server root (these paths are not under /vnc)" }];
  paths["/api/v1/kube/apply"] = {
    servers: root,
    post: { summary: "Apply a manifest (kubectl apply -f)", tags: ["kubernetes"], parameters: [...kubeParams, { name: "dry_run", in: "query", schema: { type: "boolean" } }], requestBody: yamlBody, responses: { 200: kubeAnswer, 400: kubeAnswer, 401: err, 403: err } },
    delete: { summary: "Delete what a manifest names (kubectl delete -f)", tags: ["kubernetes"], parameters: kubeParams, requestBody: yamlBody, responses: { 200: kubeAnswer, 401: err, 403: err } },
  };
  paths["/api/v1/kube/objects"] = {
    servers: root,
    get: {
      summary: "Kubernetes objects with reconcile status and the Weft objects each produced",
      tags: ["kubernetes"],
      parameters: [{ name: "kind", in: "query", schema: { type: "string" } }, { name: "namespace", in: "query", schema: { type: "string" } }],
      responses: { 200: { description: "{objects: [...]}" }, 401: err },
    },
  };
  paths["/api/v1/kube/settings"] = {
    servers: root,
    get: { summary: "Cluster name, global floating IP pool, watch status, counts", tags: ["kubernetes"], responses: { 200: { description: "settings" } } },
    put: { summary: "Set the global floating IP pool (admin)", tags: ["kubernetes"], requestBody: { content: { "application/json": { schema: { type: "object", properties: { public_fip_pool: { type: ["string", "null"] } } } } } }, responses: { 200: { description: "the pool" }, 400: err, 403: err } },
  };
  // Contrail's analytics query API for flows (contrail-analytics-api's shapes, query_rest.idl)
  const match = {
    type: "object",
    required: ["name", "value"],
    properties: {
      name: { type: "string", description: "Contrail column (sourcevn, destip, dport, vrouter, agg-bytes …) or any Weft flow field (src_labels, rule …)" },
      value: { description: "string or number; times in µs" },
      op: { type: "integer", enum: [1, 2, 3, 4, 5, 6, 7, 8], description: "1 EQUAL, 2 NOT_EQUAL, 3 IN_RANGE, 4 NOT_IN_RANGE, 5 LEQ, 6 GEQ, 7 PREFIX (addresses: value2 = prefix length), 8 REGEX_MATCH (filter only)" },
      value2: { description: "upper end (IN_RANGE) or prefix length (PREFIX on an address)" },
    },
  };
  paths["/analytics/query"] = {
    servers: root,
    post: {
      summary: "Query flows as Contrail's analytics API does (FlowRecordTable, FlowSeriesTable)",
      tags: ["analytics"],
      requestBody: {
        content: {
          "application/json": {
            schema: {
              type: "object",
              required: ["table", "start_time", "end_time", "select_fields"],
              properties: {
                table: { type: "string", enum: ["FlowRecordTable", "FlowSeriesTable"] },
                start_time: { description: 'µs since the epoch, or "now-10m" (s, m, h, d)' },
                end_time: { description: 'µs since the epoch, or "now"' },
                select_fields: { type: "array", items: { type: "string" }, description: "columns; FlowSeriesTable also T, T=<seconds>, sum(bytes), sum(packets), flow_count" },
                where: { type: "array", items: { type: "array", items: match }, description: "OR of ANDs" },
                filter: { type: "array", items: match, description: "AND of matches on the result rows (REGEX_MATCH allowed)" },
                sort: { type: "integer", enum: [1, 2], description: "1 ascending, 2 descending" },
                sort_fields: { type: "array", items: { type: "string" } },
                limit: { type: "integer", minimum: 1, maximum: 100000, default: 10000 },
                dir: { type: "integer", enum: [0, 1], description: "0 egress, 1 ingress (omitted: both)" },
              },
            },
          },
        },
      },
      parameters: [{ name: "Expect", in: "header", required: false, schema: { type: "string", enum: ["202-accepted"] }, description: "asynchronous query: 202 and the status entity's href" }],
      responses: { 200: { description: "{ value: [rows] }" }, 202: { description: '{ href: "/analytics/query/<qid>" } (with Expect: 202-accepted)' }, 400: err, 401: err },
    },
  };
  const qid = { name: "qid", in: "path", required: true, schema: { type: "string" } };
  paths["/analytics/query/{qid}"] = {
    servers: root,
    get: {
      summary: "An asynchronous query's status entity (kept 10 minutes)",
      tags: ["analytics"],
      parameters: [qid],
      responses: { 200: { description: "{ progress (0–100, -1 = failed, with error), count, ttl, chunks: [{ start_time, end_time, href }] } — href is \"\" until progress is 100" }, 404: err },
    },
  };
  paths["/analytics/query/{qid}/chunk-final/{n}"] = {
    servers: root,
    get: {
      summary: "A finished asynchronous query's rows (one chunk, n = 0), one row per line",
      tags: ["analytics"],
      parameters: [qid, { name: "n", in: "path", required: true, schema: { type: "integer" } }],
      responses: { 200: { description: "{ value: [rows] }" }, 404: err },
    },
  };
  paths["/analytics/alarms"] = {
    servers: root,
    get: {
      summary: "Alarms raised from the live state (node down, BGP session not Established, max-prefix, flow-export drops, flow-store backlog, address pools above 90 %), in Contrail's shape",
      tags: ["analytics"],
      parameters: [
        { name: "ackFilt", in: "query", required: false, schema: { type: "string", enum: ["true", "false"] }, description: "only acknowledged (true) or unacknowledged (false) alarms" },
        { name: "cleared", in: "query", required: false, schema: { type: "string", enum: ["true"] }, description: "Weft: also the alarms cleared in the last hour (weft_state: cleared)" },
      ],
      responses: { 200: { description: "{ <table: vrouter | control-node | bgp-peer | analytics-node | virtual-network>: [{ name, value: { UVEAlarms: { alarms: [{ type, severity (0 critical, 1 major, 2 minor), ack, timestamp (µs), token, description, weft_state }] } } }] }" }, 400: err, 401: err },
    },
  };
  paths["/analytics/alarms/acknowledge"] = {
    servers: root,
    post: {
      summary: "Acknowledges a raised alarm (operator or admin; an operator only for networks of their projects)",
      tags: ["analytics"],
      requestBody: { required: true, content: { "application/json": { schema: { type: "object", required: ["table", "name", "type", "token"], properties: { table: { type: "string" }, name: { type: "string" }, type: { type: "string" }, token: { type: "string", description: "as listed: an earlier raise's token is refused" } } } } } },
      responses: { 200: { description: "{}" }, 400: err, 401: err, 403: err, 404: err },
    },
  };
  paths["/analytics/tables"] = { servers: root, get: { summary: "The flow tables (FlowRecordTable, FlowSeriesTable)", tags: ["analytics"], responses: { 200: { description: "[{name, href}]" } } } };
  paths["/analytics/table/{table}/schema"] = {
    servers: root,
    get: { summary: "A table's columns", tags: ["analytics"], parameters: [{ name: "table", in: "path", required: true, schema: { type: "string" } }], responses: { 200: { description: "{ type, columns }" }, 404: err } },
  };
  schemas.TrafficStatus = {
    type: "object",
    description: "the lab traffic generator: whether it runs, at what rate, and what it has sent",
    properties: {
      running: { type: "boolean" },
      rate: { type: "number", description: "new flows per second" },
      startedAt: { type: ["integer", "null"], description: "ms since epoch" },
      flows: { type: "integer" },
      packets: { type: "integer" },
      bytes: { type: "integer" },
      unsent: { type: "integer", description: "items an agent was not there to take" },
      byPattern: { type: "object", additionalProperties: { type: "integer" }, description: "flows sent per pattern (web, db, dns, admin, probe)" },
    },
  };
  const trafficOk = { description: "the generator's status", content: { "application/json": { schema: { $ref: "#/components/schemas/TrafficStatus" } } } };
  paths["/traffic-generator"] = {
    get: { summary: "Lab traffic generator status", tags: ["traffic"], responses: { 200: trafficOk, 401: err } },
  };
  paths["/traffic-generator/start"] = {
    post: {
      summary: "Start (or retune) the lab traffic generator: flows between workloads through the real agents (operator or admin)",
      tags: ["traffic"],
      requestBody: { required: false, content: { "application/json": { schema: z.toJSONSchema(TrafficStartSchema, { io: "input", unrepresentable: "any" }) } } },
      responses: { 200: trafficOk, 400: err, 401: err, 403: err },
    },
  };
  paths["/traffic-generator/stop"] = {
    post: { summary: "Stop the lab traffic generator (operator or admin)", tags: ["traffic"], responses: { 200: trafficOk, 401: err, 403: err } },
  };
  cached = {
    openapi: "3.1.0",
    info: { title: "Weft VNC config API", version: "1", description: "Contrail/Tungsten Fabric VNC config API compatible REST API" },
    components: {
      schemas,
      securitySchemes: { basic: { type: "http", scheme: "basic" }, bearer: { type: "http", scheme: "bearer" } },
    },
    security: [{ basic: [] }, { bearer: [] }],
    paths,
  };
  return { ...cached, servers: [{ url: base }] };
}
